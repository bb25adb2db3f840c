using System.Net;
using System.Text.Json;
using Candor.Core.Accounts;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage;

namespace Candor.FunctionalTests.Privacy;

/// <summary>A Candor with a data directory whose server default pseudonymizes phone numbers, in front of the emulator
/// on all three surfaces. Each test makes its own accounts and keys.</summary>
public sealed class StoredRedactionFixture : IAsyncLifetime
{
    private CandorTestHost _host = null!;

    public EmulatorHost Emulator => _host.Emulator;

    public string OperatorKey => _host.OperatorKey;

    public string DataDir => _host.DataDirectory;

    /// <summary>The environment the CLI reads for this host's store (<see cref="CandorTestHost.CliEnvironment"/>).</summary>
    public string? CliEnvironment(string name) => _host.CliEnvironment(name);

    public async Task InitializeAsync()
    {
        _host = await CandorTestHost.Create()
            .Prefix("candor-stored-redaction-")
            .Yaml(static emu => $$"""
                server: { data_dir: data, default_max_output_tokens: 200 }
                privacy:
                  redaction: { phone: pseudonymize }
                channels:
                  - { id: oa, provider: openai, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
                  - { id: an, provider: anthropic, base_url: "{{emu}}", api_key_env: UPSTREAM_KEY }
                  - { id: ge, provider: gemini, base_url: "{{emu}}", api_key_env: UPSTREAM_KEY }
                models:
                  - { name: m-openai, deployments: [{ channel: oa, model: gpt-4o-mini }] }
                  - { name: m-anthropic, deployments: [{ channel: an, model: claude-sonnet-4-5 }] }
                  - { name: m-gemini, deployments: [{ channel: ge, model: gemini-2.5-flash }] }
                  - { name: m-embed, deployments: [{ channel: oa, model: text-embedding-3-small }] }
                """)
            .StartAsync();
        Assert.NotEmpty(OperatorKey);
    }

    public Task DisposeAsync() => _host.DisposeAsync().AsTask();

    public HttpClient Client(string? key) => _host.CreateClient(key);

    /// <summary>A funded account with <paramref name="keys"/> keys: (account id, [(key id, key)]).</summary>
    public async Task<(string AccountId, (string Id, string Key)[] Keys)> NewAccountAsync(int keys, CancellationToken ct)
    {
        var store = _host.Service<RelationalStore>();
        var account = await store.CreateAccountAsync("redaction", Account.DefaultGroup, ct);
        await store.TopUpAsync(account.Id, 10_000_000, "test", ct);
        var created = new (string, string)[keys];
        for (int i = 0; i < keys; i++)
        {
            var key = (await store.CreateKeyAsync(account.Id, "k" + i, ApiKeyLimits.None, isOperator: false, ct))!;
            created[i] = (key.Record.Id, key.PlaintextKey);
        }

        await _host.Service<ApiKeyCache>().RefreshAsync(ct);
        return (account.Id, created);
    }
}

/// <summary>Stored redaction policies through the real server: an account's policy set through the admin API (or the
/// CLI) applies to the next request of its keys on every surface without a restart; a key's policy narrows its
/// account's and never loosens it; <c>GET /v1/privacy</c> reports the effective action per entity type.</summary>
public sealed class StoredRedactionTests(StoredRedactionFixture fixture) : IClassFixture<StoredRedactionFixture>
{
    private const string Email = "carol.stored@example.org";
    private const string Secret = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";

    [Theory]
    [InlineData("openai", false)]
    [InlineData("openai", true)]
    [InlineData("anthropic", false)]
    [InlineData("anthropic", true)]
    [InlineData("gemini", false)]
    [InlineData("gemini", true)]
    public async Task AccountPolicy_SetThroughTheApi_MasksAndBlocks_FromTheNextRequest(string surface, bool stream)
    {
        var ct = Json.Timeout(60);
        var (accountId, keys) = await fixture.NewAccountAsync(1, ct);
        using var admin = fixture.Client(fixture.OperatorKey);
        using var client = fixture.Client(keys[0].Key);

        // Before: the server default allows e-mail, so the address reaches the upstream as written.
        using (var before = await SendAsync(client, surface, stream, $"mail {Email}", ct))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
            await before.Content.ReadAsStringAsync(ct);
            Assert.Contains(Email, Json.Strings(fixture.Emulator.Journal.Last!.BodyText), StringComparison.Ordinal);
        }

        using (var put = await admin.PutAsync($"/admin/v1/accounts/{accountId}/privacy", Json.Body("""{"redaction":{"email":"mask","secret":"block"}}"""), ct))
        {
            string text = await put.Content.ReadAsStringAsync(ct);
            Assert.True(put.StatusCode == HttpStatusCode.OK, text);
            using var doc = JsonDocument.Parse(text);
            var redaction = doc.RootElement.GetProperty("redaction");
            Assert.Equal("mask", redaction.GetProperty("email").GetString());
            Assert.Equal("block", redaction.GetProperty("secret").GetString());
            Assert.Equal("allow", redaction.GetProperty("default").GetString());
        }

        // The next request: the e-mail is masked before it leaves (nothing to restore), the server's phone rule still holds.
        using (var masked = await SendAsync(client, surface, stream, $"mail {Email} or call 13812345678", ct))
        {
            string body = await masked.Content.ReadAsStringAsync(ct);
            Assert.True(masked.StatusCode == HttpStatusCode.OK, body);
            string sent = Json.Strings(fixture.Emulator.Journal.Last!.BodyText);
            Assert.DoesNotContain(Email, sent, StringComparison.Ordinal);
            Assert.DoesNotContain(Email, fixture.Emulator.Journal.Last!.BodyText, StringComparison.Ordinal);
            Assert.Contains("[EMAIL]", sent, StringComparison.Ordinal);
            Assert.DoesNotContain("13812345678", sent, StringComparison.Ordinal);
            Assert.Equal("email=1,phone=1", masked.Headers.GetValues("x-candor-redactions").Single());
            Assert.EndsWith("; redaction=secret:block,email:mask,phone:pseudonymize", masked.Headers.GetValues("x-candor-privacy-policy").Single(), StringComparison.Ordinal);
        }

        // A secret is refused in the surface's own envelope, naming the type and never the value; nothing is sent.
        var last = fixture.Emulator.Journal.Last;
        using (var blocked = await SendAsync(client, surface, stream, $"deploy with {Secret}", ct))
        {
            string body = await blocked.Content.ReadAsStringAsync(ct);
            Assert.Equal(HttpStatusCode.BadRequest, blocked.StatusCode);
            Assert.Same(last, fixture.Emulator.Journal.Last);
            Assert.DoesNotContain(Secret, body, StringComparison.Ordinal);
            Assert.Contains("'secret'", AssertEnvelope(surface, body), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task KeyPolicy_NarrowsTheAccounts_AndNeverLoosensIt()
    {
        var ct = Json.Timeout(60);
        var (accountId, keys) = await fixture.NewAccountAsync(2, ct);
        using var admin = fixture.Client(fixture.OperatorKey);
        using var strict = fixture.Client(keys[0].Key);
        using var sibling = fixture.Client(keys[1].Key);

        await PutAsync(admin, $"/admin/v1/accounts/{accountId}/privacy", """{"redaction":{"email":"mask","secret":"block"}}""", ct);

        // The key asks for less on secrets (mask under the account's block) and more on e-mail (block over mask).
        using (var put = await admin.PutAsync($"/admin/v1/accounts/{accountId}/keys/{keys[0].Id}/privacy", Json.Body("""{"redaction":{"email":"block","secret":"mask","ip":"pseudonymize"}}"""), ct))
        {
            string text = await put.Content.ReadAsStringAsync(ct);
            Assert.True(put.StatusCode == HttpStatusCode.OK, text);
            using var doc = JsonDocument.Parse(text);
            Assert.Equal("key.privacy", doc.RootElement.GetProperty("object").GetString());
            Assert.Equal("block", doc.RootElement.GetProperty("redaction").GetProperty("email").GetString());
        }

        using (var privacy = await strict.GetAsync("/v1/privacy", ct))
        {
            var body = await Json.ReadAsync(privacy, ct);
            var effective = body.GetProperty("redaction");
            Assert.Equal("block", effective.GetProperty("email").GetString());
            Assert.Equal("block", effective.GetProperty("secret").GetString());
            Assert.Equal("pseudonymize", effective.GetProperty("phone").GetString());
            Assert.Equal("pseudonymize", effective.GetProperty("ip").GetString());
            Assert.Equal("allow", effective.GetProperty("cn_id").GetString());
            Assert.Equal("allow", effective.GetProperty("default").GetString());
            var sources = body.GetProperty("redaction_sources");
            Assert.Equal("pseudonymize", sources.GetProperty("server").GetProperty("phone").GetString());
            Assert.Equal("mask", sources.GetProperty("account").GetProperty("email").GetString());
            Assert.Equal("mask", sources.GetProperty("key").GetProperty("secret").GetString());
            Assert.Equal("regions=any; upstream_retention=any; training=any; retention=none; redaction=secret:block,email:block,phone:pseudonymize,ip:pseudonymize",
                body.GetProperty("header").GetString());
            Assert.Equal(body.GetProperty("header").GetString(), privacy.Headers.GetValues("x-candor-privacy-policy").Single());
        }

        // The key's stricter e-mail rule blocks; its looser secret rule does not unblock the account's.
        foreach (string text in new[] { $"mail {Email}", $"key {Secret}" })
        {
            var last = fixture.Emulator.Journal.Last;
            using var refused = await SendAsync(strict, "openai", false, text, ct);
            string body = await refused.Content.ReadAsStringAsync(ct);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Same(last, fixture.Emulator.Journal.Last);
            Assert.Equal("privacy_blocked", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("code").GetString());
        }

        // The account's other key keeps the account's policy: e-mail masked, not blocked.
        using (var other = await SendAsync(sibling, "openai", false, $"mail {Email}", ct))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
            Assert.Contains("[EMAIL]", Json.Strings(fixture.Emulator.Journal.Last!.BodyText), StringComparison.Ordinal);
        }

        using (var privacy = await sibling.GetAsync("/v1/privacy", ct))
        {
            var body = await Json.ReadAsync(privacy, ct);
            Assert.Equal("mask", body.GetProperty("redaction").GetProperty("email").GetString());
            Assert.Equal(JsonValueKind.Null, body.GetProperty("redaction_sources").GetProperty("key").ValueKind);
        }

        // Clearing the key's policy (null) returns it to its account's.
        await PutAsync(admin, $"/admin/v1/accounts/{accountId}/keys/{keys[0].Id}/privacy", """{"redaction":null}""", ct);
        using (var after = await SendAsync(strict, "openai", false, $"mail {Email}", ct))
        {
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
            Assert.Contains("[EMAIL]", Json.Strings(fixture.Emulator.Journal.Last!.BodyText), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AccountPolicy_AppliesToEmbeddingsAndTokenCounting()
    {
        var ct = Json.Timeout(60);
        var (accountId, keys) = await fixture.NewAccountAsync(1, ct);
        using var admin = fixture.Client(fixture.OperatorKey);
        using var client = fixture.Client(keys[0].Key);
        await PutAsync(admin, $"/admin/v1/accounts/{accountId}/privacy", """{"redaction":{"default":"mask"}}""", ct);

        using (var embed = await client.PostAsync("/v1/embeddings", Json.Body($$"""{"model":"m-embed","input":["mail {{Email}}"]}"""), ct))
        {
            Assert.Equal(HttpStatusCode.OK, embed.StatusCode);
            Assert.DoesNotContain(Email, fixture.Emulator.Journal.Last!.BodyText, StringComparison.Ordinal);
            Assert.Contains("[EMAIL]", Json.Strings(fixture.Emulator.Journal.Last!.BodyText), StringComparison.Ordinal);
        }

        using (var count = await client.PostAsync("/v1/messages/count_tokens",
            Json.Body($$"""{"model":"m-anthropic","messages":[{"role":"user","content":"mail {{Email}}"}]}"""), ct))
        {
            Assert.Equal(HttpStatusCode.OK, count.StatusCode);
            Assert.EndsWith("/count_tokens", fixture.Emulator.Journal.Last!.Path, StringComparison.Ordinal);
            Assert.DoesNotContain(Email, fixture.Emulator.Journal.Last!.BodyText, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BadPolicies_Are400NamingTheField_AndOnlyOperatorsMaySetThem()
    {
        var ct = Json.Timeout(60);
        var (accountId, keys) = await fixture.NewAccountAsync(1, ct);
        var (otherAccount, otherKeys) = await fixture.NewAccountAsync(1, ct);
        using var admin = fixture.Client(fixture.OperatorKey);
        string path = $"/admin/v1/accounts/{accountId}/privacy";

        foreach (var (body, field, says) in new[]
        {
            ("""{"redaction":{"emial":"mask"}}""", "redaction.emial", "Unknown entity type 'emial'"),
            ("""{"redaction":{"email":"hide"}}""", "redaction.email", "Unknown action 'hide'"),
            ("""{"redaction":{"email":1}}""", "redaction.email", "allow, mask, pseudonymize or block"),
            ("""{"redaction":"mask"}""", "redaction", "must be an object"),
            ("""{"redaction":{"default":"block","default":"allow"}}""", "redaction.default", "more than once"),
        })
        {
            using var bad = await admin.PutAsync(path, Json.Body(body), ct);
            var error = (await Json.ReadAsync(bad, ct)).GetProperty("error");
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal(field, error.GetProperty("param").GetString());
            Assert.Contains(says, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        using (var bad = await admin.PutAsync($"/admin/v1/accounts/{accountId}/keys/{keys[0].Id}/privacy", Json.Body("""{"redaction":{"phone":"shred"}}"""), ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal("redaction.phone", (await Json.ReadAsync(bad, ct)).GetProperty("error").GetProperty("param").GetString());
        }

        // Nothing was stored by the refused requests.
        using (var get = await admin.GetAsync(path, ct))
        {
            Assert.Equal(JsonValueKind.Null, (await Json.ReadAsync(get, ct)).GetProperty("redaction").ValueKind);
        }

        // 401 without a key, 403 for a client key (even on its own account), 404 for a key of another account.
        using (var anonymous = fixture.Client(null))
        using (var put = await anonymous.PutAsync(path, Json.Body("""{"redaction":{"email":"allow"}}"""), ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, put.StatusCode);
        }

        using (var own = fixture.Client(keys[0].Key))
        using (var put = await own.PutAsync($"/admin/v1/accounts/{accountId}/keys/{keys[0].Id}/privacy", Json.Body("""{"redaction":{"email":"allow"}}"""), ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        }

        using (var put = await admin.PutAsync($"/admin/v1/accounts/{accountId}/keys/{otherKeys[0].Id}/privacy", Json.Body("""{"redaction":{"email":"block"}}"""), ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, put.StatusCode);
        }

        using (var get = await admin.GetAsync($"/admin/v1/accounts/{otherAccount}/keys/{otherKeys[0].Id}/privacy", ct))
        {
            Assert.Equal(JsonValueKind.Null, (await Json.ReadAsync(get, ct)).GetProperty("redaction").ValueKind);
        }
    }

    [Fact]
    public async Task Cli_SetsTheSamePolicy_AndTheRunningServerAppliesIt()
    {
        var ct = Json.Timeout(90);
        var (accountId, keys) = await fixture.NewAccountAsync(1, ct);
        using var client = fixture.Client(keys[0].Key);

        var output = new StringWriter();
        var error = new StringWriter();
        Assert.Equal(2, await Candor.Server.Cli.CandorCli.RunAsync(
            ["privacy", "set", "--account", accountId, "--redaction", "email=erase", "--data", fixture.DataDir], output, error, fixture.CliEnvironment, ct));
        Assert.Contains("redaction.email", error.ToString(), StringComparison.Ordinal);

        error = new StringWriter();
        Assert.Equal(0, await Candor.Server.Cli.CandorCli.RunAsync(
            ["privacy", "set", "--account", accountId, "--key", keys[0].Id, "--redaction", "email=block,default=mask", "--data", fixture.DataDir], output, error, fixture.CliEnvironment, ct));
        using (var printed = JsonDocument.Parse(output.ToString().Trim()))
        {
            Assert.Equal("key.privacy", printed.RootElement.GetProperty("object").GetString());
            Assert.Equal("block", printed.RootElement.GetProperty("redaction").GetProperty("email").GetString());
            Assert.Equal("mask", printed.RootElement.GetProperty("redaction").GetProperty("default").GetString());
        }

        // The server re-reads stored policies periodically: wait for the change, without a restart.
        string? effective = null;
        while (!ct.IsCancellationRequested)
        {
            using var privacy = await client.GetAsync("/v1/privacy", ct);
            effective = (await Json.ReadAsync(privacy, ct)).GetProperty("redaction").GetProperty("email").GetString();
            if (effective == "block")
            {
                break;
            }

            await Task.Delay(200, ct);
        }

        Assert.Equal("block", effective);
        var last = fixture.Emulator.Journal.Last;
        using (var refused = await SendAsync(client, "anthropic", false, $"mail {Email}", ct))
        {
            string body = await refused.Content.ReadAsStringAsync(ct);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("'email'", AssertEnvelope("anthropic", body), StringComparison.Ordinal);
            Assert.DoesNotContain(Email, body, StringComparison.Ordinal);
            Assert.Same(last, fixture.Emulator.Journal.Last);
        }

        // The admin API reads what the CLI stored; `privacy get` prints the same.
        using var admin = fixture.Client(fixture.OperatorKey);
        using (var get = await admin.GetAsync($"/admin/v1/accounts/{accountId}/keys/{keys[0].Id}/privacy", ct))
        {
            Assert.Equal("block", (await Json.ReadAsync(get, ct)).GetProperty("redaction").GetProperty("email").GetString());
        }

        output = new StringWriter();
        Assert.Equal(0, await Candor.Server.Cli.CandorCli.RunAsync(["privacy", "get", "--account", accountId, "--data", fixture.DataDir], output, new StringWriter(), fixture.CliEnvironment, ct));
        using (var printed = JsonDocument.Parse(output.ToString().Trim()))
        {
            Assert.Equal("account.privacy", printed.RootElement.GetProperty("object").GetString());
            Assert.Equal(JsonValueKind.Null, printed.RootElement.GetProperty("redaction").ValueKind);
        }
    }

    private static async Task PutAsync(HttpClient admin, string path, string body, CancellationToken ct)
    {
        using var put = await admin.PutAsync(path, Json.Body(body), ct);
        string text = await put.Content.ReadAsStringAsync(ct);
        Assert.True(put.StatusCode == HttpStatusCode.OK, text);
    }

    /// <summary>Checks the surface's error envelope; returns its message.</summary>
    private static string AssertEnvelope(string surface, string body)
    {
        using var doc = JsonDocument.Parse(body);
        switch (surface)
        {
            case "anthropic":
                Assert.Equal("error", doc.RootElement.GetProperty("type").GetString());
                Assert.Equal("invalid_request_error", doc.RootElement.GetProperty("error").GetProperty("type").GetString());
                break;
            case "gemini":
                Assert.Equal(400, doc.RootElement.GetProperty("error").GetProperty("code").GetInt32());
                Assert.Equal("INVALID_ARGUMENT", doc.RootElement.GetProperty("error").GetProperty("status").GetString());
                break;
            default:
                Assert.Equal("privacy_blocked", doc.RootElement.GetProperty("error").GetProperty("code").GetString());
                break;
        }

        return doc.RootElement.GetProperty("error").GetProperty("message").GetString()!;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string surface, bool stream, string user, CancellationToken ct)
    {
        string usr = JsonSerializer.Serialize(user), s = stream ? "true" : "false";
        var (path, body) = surface switch
        {
            "anthropic" => ("/v1/messages", $$"""{"model":"m-anthropic","max_tokens":64,"stream":{{s}},"messages":[{"role":"user","content":{{usr}}}]}"""),
            "gemini" => (stream ? "/v1beta/models/m-gemini:streamGenerateContent?alt=sse" : "/v1beta/models/m-gemini:generateContent",
                $$"""{"contents":[{"role":"user","parts":[{"text":{{usr}}}]}]}"""),
            _ => ("/v1/chat/completions", $$"""{"model":"m-openai","stream":{{s}},"messages":[{"role":"user","content":{{usr}}}]}"""),
        };
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json.Body(body) };
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }
}
