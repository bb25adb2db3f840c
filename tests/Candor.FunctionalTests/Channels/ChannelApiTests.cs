using System.Text;
using System.Text.Json;
using Candor.Storage;

namespace Candor.FunctionalTests.Channels;

/// <summary>Stored channels end to end through the admin API and the real relay: a credential given once is sealed
/// at rest, reaches the upstream, and never comes back in a response, a log line or the database file.</summary>
public sealed class ChannelApiTests(ChannelsFixture fixture) : IClassFixture<ChannelsFixture>
{
    private static string Quote(string s) => JsonSerializer.Serialize(s);

    private async Task<JsonElement> AddAsync(string id, string model, string baseUrl, string? credential, string extra = "")
    {
        string cred = credential is null ? "" : $",\"credential\":{Quote(credential)}";
        var (status, body) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/channels", $$"""
            {"id":"{{id}}","provider":"openai","base_url":{{Quote(baseUrl)}}{{cred}}{{extra}},
             "deployments":[{"model":"{{model}}","upstream_model":"gpt-4o-mini"}]}
            """);
        Assert.True(status == 201, body.ToString());
        return body;
    }

    [Fact]
    public async Task StoredChannel_WithCredential_RoutesAndTheUpstreamReceivesTheCredential()
    {
        var created = await AddAsync("vault", "m-vault", fixture.PrivateUrl(), fixture.Secret,
            ""","region":"EU","data_policy":{"retention":"none","training":"never"},"timeouts":{"connect_ms":2000,"first_byte_ms":10000,"idle_ms":10000}""");
        Assert.Equal("stored", created.GetProperty("source").GetString());
        Assert.True(created.GetProperty("credential").GetProperty("set").GetBoolean());
        Assert.Equal(1, created.GetProperty("credential").GetProperty("key_id").GetInt32());
        Assert.Equal(1, created.GetProperty("credential").EnumerateObject().Count(p => p.Name != "set"));
        Assert.Equal("eu", created.GetProperty("region").GetString());
        Assert.Equal("none", created.GetProperty("data_policy").GetProperty("retention").GetString());
        Assert.True(created.GetProperty("routed").GetBoolean());
        Assert.Equal("m-vault", created.GetProperty("deployments")[0].GetProperty("model").GetString());

        // The private emulator answers only to the stored credential: a 200 proves Candor sent it.
        long before = fixture.Private.Journal.Count;
        var (status, channel, _) = await fixture.ChatAsync("m-vault");
        Assert.Equal(200, status);
        Assert.Equal("vault", channel);
        Assert.Equal(before + 1, fixture.Private.Journal.Count);

        // The same upstream with another credential is refused by it (the control for the proof above).
        await AddAsync("vault-wrong", "m-vault-wrong", fixture.PrivateUrl(), "sk-not-the-right-one");
        var (wrongStatus, wrongChannel, _) = await fixture.ChatAsync("m-vault-wrong");
        Assert.Equal(502, wrongStatus);
        Assert.Equal("vault-wrong", wrongChannel);

        // The upstream's 401 made the router disable the channel; the read API says so and why, and an admin's
        // enable clears it (the router's state, not the stored flag, which was never set).
        var (_, disabled) = await fixture.AdminAsync(HttpMethod.Get, "/admin/v1/channels/vault-wrong");
        var health = disabled.GetProperty("health");
        Assert.Equal("disabled", health.GetProperty("state").GetString());
        Assert.False(health.GetProperty("enabled").GetBoolean());
        Assert.False(string.IsNullOrEmpty(health.GetProperty("disabled_reason").GetString()));
        Assert.DoesNotContain("sk-not-the-right-one", disabled.ToString(), StringComparison.Ordinal);

        var (enabledStatus, enabled) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/channels/vault-wrong/enable");
        Assert.Equal(200, enabledStatus);
        Assert.True(enabled.GetProperty("health").GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task Credential_IsNotInTheDatabaseFileTheWalResponsesOrLogs()
    {
        await AddAsync("sealed", "m-sealed", fixture.PrivateUrl(), fixture.Secret);
        Assert.Equal(200, (await fixture.ChatAsync("m-sealed")).Status);
        var (s1, _) = await fixture.AdminAsync(HttpMethod.Get, "/admin/v1/channels");
        var (s2, _) = await fixture.AdminAsync(HttpMethod.Get, "/admin/v1/channels/sealed");
        var (s3, _) = await fixture.AdminAsync(HttpMethod.Patch, "/admin/v1/channels/sealed", $$"""{"credential":{{Quote(fixture.Secret)}},"region":"us"}""");
        var (s4, tested) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/channels/sealed/test", "{}");
        Assert.Equal([200, 200, 200, 200], new[] { s1, s2, s3, s4 });
        Assert.True(tested.GetProperty("ok").GetBoolean(), tested.ToString());

        byte[] secret = Encoding.UTF8.GetBytes(fixture.Secret);
        byte[] marker = Encoding.UTF8.GetBytes("m-sealed");
        bool markerSeen = false;
        string db = Path.Combine(fixture.DataDirectory, SqliteStore.DatabaseFileName);
        string[] files = [db, db + "-wal", db + "-shm"];
        Assert.True(File.Exists(db + "-wal"), "the WAL is expected to exist while the server runs");
        foreach (string file in files.Where(File.Exists))
        {
            byte[] bytes = await ReadSharedAsync(file);
            Assert.True(bytes.AsSpan().IndexOf(secret) < 0, $"{Path.GetFileName(file)} holds the credential in plaintext");
            markerSeen |= bytes.AsSpan().IndexOf(marker) >= 0;
        }

        // The files read are the ones the rows went to (so the check above can fail).
        Assert.True(markerSeen, "the stored deployment's model name should be in the database or its WAL");

        Assert.NotEmpty(fixture.Responses);
        foreach (string response in fixture.Responses)
        {
            Assert.DoesNotContain(fixture.Secret, response, StringComparison.Ordinal);
        }

        var lines = fixture.Logs.Lines.ToList();
        Assert.Contains(lines, l => l.Contains("sealed", StringComparison.Ordinal) && l.Contains("[1303]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Debug", StringComparison.Ordinal) || l.StartsWith("Trace", StringComparison.Ordinal));
        foreach (string line in lines)
        {
            Assert.DoesNotContain(fixture.Secret, line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task HeaderCarryingACredential_IsSealedAndShownOnlyByName()
    {
        string apim = "apim-" + Guid.NewGuid().ToString("N");
        var created = await AddAsync("apim", "m-apim", fixture.PrivateUrl(), fixture.Secret,
            $$""","headers":{"Ocp-Apim-Subscription-Key":{{Quote(apim)}},"X-Team":"blue"}""");
        Assert.Equal(Candor.Core.Channels.ChannelHeaders.Redacted, created.GetProperty("headers").GetProperty("Ocp-Apim-Subscription-Key").GetString());
        Assert.True(created.GetProperty("routed").GetBoolean(), created.ToString());
        Assert.Equal(200, (await fixture.ChatAsync("m-apim")).Status);

        var (_, listed) = await fixture.AdminAsync(HttpMethod.Get, "/admin/v1/channels");
        var (_, one) = await fixture.AdminAsync(HttpMethod.Get, "/admin/v1/channels/apim");
        Assert.DoesNotContain(apim, listed.ToString(), StringComparison.Ordinal);
        Assert.Equal(Candor.Core.Channels.ChannelHeaders.Redacted, one.GetProperty("headers").GetProperty("X-Team").GetString());

        string db = Path.Combine(fixture.DataDirectory, SqliteStore.DatabaseFileName);
        foreach (string file in new[] { db, db + "-wal" }.Where(File.Exists))
        {
            Assert.True((await ReadSharedAsync(file)).AsSpan().IndexOf(Encoding.UTF8.GetBytes(apim)) < 0, $"{Path.GetFileName(file)} holds the header value in plaintext");
        }
    }

    [Fact]
    public async Task Disable_StopsRouting_Enable_RestoresIt()
    {
        await AddAsync("toggle", "m-toggle", fixture.PrivateUrl(), fixture.Secret);
        Assert.Equal(200, (await fixture.ChatAsync("m-toggle")).Status);

        long before = fixture.Private.Journal.Count;
        var (status, disabled) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/channels/toggle/disable", """{"reason":"maintenance window"}""");
        Assert.Equal(200, status);
        Assert.True(disabled.GetProperty("disabled").GetBoolean());
        Assert.Equal("maintenance window", disabled.GetProperty("disabled_reason").GetString());
        Assert.False(disabled.GetProperty("routed").GetBoolean());
        Assert.Contains("maintenance window", disabled.GetProperty("not_routed_reason").GetString(), StringComparison.Ordinal);

        // Its only deployment is gone from routing: the model is not served, and nothing reached the upstream.
        var (off, _, body) = await fixture.ChatAsync("m-toggle");
        Assert.Equal(404, off);
        Assert.Contains("model_not_found", body, StringComparison.Ordinal);
        Assert.Equal(before, fixture.Private.Journal.Count);

        var (enabledStatus, enabled) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/channels/toggle/enable");
        Assert.Equal(200, enabledStatus);
        Assert.False(enabled.GetProperty("disabled").GetBoolean());
        Assert.Equal(200, (await fixture.ChatAsync("m-toggle")).Status);
    }

    [Fact]
    public async Task InFlightStream_FinishesOnItsSnapshot_WhenTheChannelIsDisabledMidway()
    {
        await AddAsync("slowly", "m-slowly", fixture.PrivateUrl("/x/chunk_ms=100;tokens=15/v1"), fixture.Secret);
        using var client = new HttpClient { BaseAddress = fixture.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Infrastructure.CandorFixture.Key);
        var token = Infrastructure.Json.Timeout(30);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Infrastructure.Json.Body("""{"model":"m-slowly","stream":true,"messages":[{"role":"user","content":"Hello"}]}"""),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
        Assert.Equal(200, (int)response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(token));
        Assert.NotNull(await reader.ReadLineAsync(token));

        // Disabled while the answer is still streaming: new requests are not routed, the open one completes.
        Assert.Equal(200, (await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/channels/slowly/disable")).Status);
        Assert.Equal(404, (await fixture.ChatAsync("m-slowly")).Status);
        string rest = await reader.ReadToEndAsync(token);
        Assert.Contains("data: [DONE]", rest, StringComparison.Ordinal);
        Assert.DoesNotContain("\"error\"", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_RemovesTheChannelAndItsDeployments()
    {
        await AddAsync("gone", "m-gone", fixture.PrivateUrl(), fixture.Secret);
        Assert.Equal(200, (await fixture.ChatAsync("m-gone")).Status);
        var (status, _) = await fixture.AdminAsync(HttpMethod.Delete, "/admin/v1/channels/gone");
        Assert.Equal(200, status);
        Assert.Equal(404, (await fixture.ChatAsync("m-gone")).Status);
        Assert.Equal(404, (await fixture.AdminAsync(HttpMethod.Get, "/admin/v1/channels/gone")).Status);
        var (_, deployments) = await fixture.AdminAsync(HttpMethod.Get, "/admin/v1/deployments?model=m-gone");
        Assert.Equal(0, deployments.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Deployment_AttachesAConfigurationChannelToANewPublicModel()
    {
        var (status, created) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/deployments",
            """{"model":"m-attached","channel":"oa","upstream_model":"gpt-4o-mini","priority":1,"weight":5}""");
        Assert.True(status == 201, created.ToString());
        Assert.StartsWith("dep_", created.GetProperty("id").GetString(), StringComparison.Ordinal);
        var (chat, channel, _) = await fixture.ChatAsync("m-attached");
        Assert.Equal(200, chat);
        Assert.Equal("oa", channel);

        var (_, listed) = await fixture.AdminAsync(HttpMethod.Get, "/admin/v1/deployments?model=m-openai");
        Assert.Equal("config", listed.GetProperty("data")[0].GetProperty("source").GetString());

        var (deleted, _) = await fixture.AdminAsync(HttpMethod.Delete, "/admin/v1/deployments/" + created.GetProperty("id").GetString());
        Assert.Equal(200, deleted);
        Assert.Equal(404, (await fixture.ChatAsync("m-attached")).Status);

        var (unknown, error) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/deployments", """{"model":"m-x","channel":"no-such","upstream_model":"x"}""");
        Assert.Equal(400, unknown);
        Assert.Equal("channel", error.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task ConfigurationChannels_AreListedAndReadOnly()
    {
        var (status, oa) = await fixture.AdminAsync(HttpMethod.Get, "/admin/v1/channels/oa");
        Assert.Equal(200, status);
        Assert.Equal("config", oa.GetProperty("source").GetString());
        Assert.Equal("env", oa.GetProperty("credential").GetProperty("source").GetString());
        Assert.True(oa.GetProperty("health").GetProperty("enabled").GetBoolean());
        Assert.Contains(oa.GetProperty("health").GetProperty("state").GetString(), new[] { "healthy", "half_open", "cooling_down", "retry_after" });
        Assert.NotEmpty(oa.GetProperty("health").GetProperty("deployments").EnumerateArray());

        // Enable on a configuration channel clears the router's state for it (a credential failure, open circuits)
        // and answers with the channel; it changes nothing in the file.
        var (enableStatus, _) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/channels/oa/enable");
        Assert.Equal(200, enableStatus);

        foreach (var (method, path, body) in new (HttpMethod, string, string?)[]
        {
            (HttpMethod.Patch, "/admin/v1/channels/oa", """{"region":"eu"}"""),
            (HttpMethod.Post, "/admin/v1/channels/oa/disable", null),
            (HttpMethod.Delete, "/admin/v1/channels/oa", null),
            (HttpMethod.Post, "/admin/v1/channels", """{"id":"oa","provider":"openai","base_url":"http://127.0.0.1:1/v1"}"""),
        })
        {
            var (code, error) = await fixture.AdminAsync(method, path, body);
            Assert.True(code == 409, $"{method} {path}: {code}");
            Assert.Contains("configuration file", error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(200, (await fixture.ChatAsync("m-openai")).Status);
    }

    [Fact]
    public async Task NonOperators_AreRefused()
    {
        const string Body = """{"id":"intruder","provider":"openai","base_url":"http://127.0.0.1:1/v1"}""";
        Assert.Equal(401, (await fixture.SendAsync(null, HttpMethod.Post, "/admin/v1/channels", Body)).Status);
        Assert.Equal(401, (await fixture.SendAsync(Infrastructure.CandorFixture.Key, HttpMethod.Get, "/admin/v1/channels")).Status);

        var (_, account) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/accounts", """{"name":"not-an-operator"}""");
        var (_, key) = await fixture.AdminAsync(HttpMethod.Post, $"/admin/v1/accounts/{account.GetProperty("id").GetString()}/keys", """{"name":"k"}""");
        string plain = key.GetProperty("key").GetString()!;
        var (status, error) = await fixture.SendAsync(plain, HttpMethod.Post, "/admin/v1/channels", Body);
        Assert.Equal(403, status);
        Assert.Equal("permission_error", error.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(403, (await fixture.SendAsync(plain, HttpMethod.Post, "/admin/v1/channels/oa/test", "{}")).Status);
        Assert.Equal(404, (await fixture.AdminAsync(HttpMethod.Get, "/admin/v1/channels/intruder")).Status);
    }

    [Theory]
    [InlineData("""{"provider":"openai","base_url":"http://x/v1"}""", "id")]
    [InlineData("""{"id":"Bad Id","provider":"openai","base_url":"http://x/v1"}""", "id")]
    [InlineData("""{"id":"b1","base_url":"http://x/v1"}""", "provider")]
    [InlineData("""{"id":"b1","provider":"nope","base_url":"http://x/v1"}""", "provider")]
    [InlineData("""{"id":"b1","provider":"openai","base_url":"ftp://x/v1"}""", "base_url")]
    [InlineData("""{"id":"b1","provider":"openai","base_url":"http://x/v1","data_policy":{"retention":"forever"}}""", "data_policy.retention")]
    [InlineData("""{"id":"b1","provider":"openai","base_url":"http://x/v1","data_policy":{"training":3}}""", "data_policy.training")]
    [InlineData("""{"id":"b1","provider":"openai","base_url":"http://x/v1","headers":{"Authorization":"Bearer x"}}""", "headers.Authorization")]
    [InlineData("""{"id":"b1","provider":"openai","base_url":"http://x/v1","timeouts":{"connect_ms":-1}}""", "timeouts.connect_ms")]
    [InlineData("""{"id":"b1","provider":"openai","base_url":"http://x/v1","credential":""}""", "credential")]
    [InlineData("""{"id":"b1","provider":"openai","base_url":"http://x/v1","deployments":[{"model":"m"}]}""", "deployments[0].upstream_model")]
    [InlineData("""{"id":"b1","provider":"openai","base_url":"http://x/v1","deployments":[{"model":"m","upstream_model":"u","weight":0}]}""", "deployments[0].weight")]
    [InlineData("""{"id":"b1","provider":"openai","base_url":"http://x/v1","api_key":"sk-x"}""", "api_key")]
    public async Task BadInput_Is400NamingTheField(string body, string field)
    {
        var (status, error) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/channels", body);
        Assert.Equal(400, status);
        Assert.Equal(field, error.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(404, (await fixture.AdminAsync(HttpMethod.Get, "/admin/v1/channels/b1")).Status);
    }

    [Fact]
    public async Task Test_ReportsHealthyAndFailingChannels()
    {
        string emu = fixture.Emulator.BaseAddress.ToString().TrimEnd('/');
        await AddAsync("t-ok", "m-t-ok", fixture.PrivateUrl(), fixture.Secret);
        await AddAsync("t-500", "m-t-500", fixture.PrivateUrl("/x/status=500/v1"), fixture.Secret);
        await AddAsync("t-auth", "m-t-auth", fixture.PrivateUrl(), "sk-wrong-credential");
        await AddAsync("t-down", "m-t-down", "http://127.0.0.1:9/v1", fixture.Secret, ""","timeouts":{"connect_ms":1000}""");

        var (s, ok) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/channels/t-ok/test");
        Assert.Equal(200, s);
        Assert.True(ok.GetProperty("ok").GetBoolean(), ok.ToString());
        Assert.Equal(200, ok.GetProperty("status").GetInt32());
        Assert.Equal("gpt-4o-mini", ok.GetProperty("served_model").GetString());
        Assert.True(ok.GetProperty("latency_ms").GetInt64() >= 0);
        Assert.False(ok.TryGetProperty("error", out _));

        var (_, failed) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/channels/t-500/test");
        Assert.False(failed.GetProperty("ok").GetBoolean());
        Assert.Equal(500, failed.GetProperty("status").GetInt32());
        Assert.Equal("upstream_error", failed.GetProperty("error").GetProperty("class").GetString());

        var (_, auth) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/channels/t-auth/test");
        Assert.Equal(401, auth.GetProperty("status").GetInt32());
        Assert.Equal("auth", auth.GetProperty("error").GetProperty("class").GetString());

        var (_, down) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/channels/t-down/test");
        Assert.False(down.TryGetProperty("status", out _));
        Assert.Equal("connect", down.GetProperty("error").GetProperty("class").GetString());

        // A configuration channel with a fault URL, and a model given explicitly.
        var (_, cfg) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/channels/broken-429/test", """{"model":"claude-sonnet-4-5"}""");
        Assert.Equal(429, cfg.GetProperty("status").GetInt32());
        Assert.Equal("rate_limited", cfg.GetProperty("error").GetProperty("class").GetString());
        _ = emu;

        // A disabled stored channel can still be tested (before it is enabled again).
        await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/channels/t-ok/disable");
        var (_, disabled) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/channels/t-ok/test");
        Assert.True(disabled.GetProperty("ok").GetBoolean(), disabled.ToString());

        Assert.Equal(404, (await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/channels/no-such/test")).Status);
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
