using System.Globalization;
using System.Text;
using System.Text.Json;
using Candor.Core.Accounts;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Admission;

/// <summary>Issue 13, items 6, 8 and 11: a body that stops arriving gets 408/400 in the surface's envelope; a key's
/// concurrency and rate limits refuse before the body is read; the server-wide body budget and the bounds on requests
/// in flight and open streams answer 503 + Retry-After; nothing leaks a slot or a byte of the budget.</summary>
public sealed class AdmissionControlTests(AdmissionHost host) : IClassFixture<AdmissionHost>
{
    private const string Chat = """{"model":"m-openai","messages":[{"role":"user","content":"hi"}],"max_tokens":20}""";

    /// <summary>Each surface's chat path and a valid body for it (the body is sent only in part).</summary>
    public static TheoryData<string, string, string> Stalls()
    {
        var data = new TheoryData<string, string, string>();
        foreach (string mode in (string[])["short", "chunked", "cut"])
        {
            data.Add("openai", "/v1/chat/completions", mode);
            data.Add("anthropic", "/v1/messages", mode);
            data.Add("gemini", "/v1beta/models/m-gemini:generateContent", mode);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Stalls))]
    public async Task BodyThatStopsArriving_Gets408Or400InTheSurfacesEnvelope(string surface, string path, string mode)
    {
        var ct = Json.Timeout(30);
        byte[] part = Encoding.UTF8.GetBytes("""{"model":"m-openai","messages":[{"role":"user","con""");
        var headers = new List<string> { "Authorization: Bearer " + AdmissionHost.ConfigKey, "Content-Type: application/json" };
        if (mode == "chunked")
        {
            // One chunk, then nothing: the terminating zero-length chunk never comes.
            headers.Add("Transfer-Encoding: chunked");
            part = [.. Encoding.ASCII.GetBytes(part.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"), .. part, .. "\r\n"u8.ToArray()];
        }
        else
        {
            headers.Add("Content-Length: 4000");
        }

        using var raw = await RawHttp.OpenAsync(host.BaseAddress, "POST", path, headers, part, ct);
        if (mode == "cut")
        {
            // Kestrel takes a client that ends its side mid-body as gone: the connection closes, with no answer at all
            // (never a 200); if an answer does come, it is the 400 in the envelope.
            raw.EndSending();
            try
            {
                var (cutStatus, _, cutBody) = await raw.ReadResponseAsync(ct);
                Assert.Equal(400, cutStatus);
                AssertEnvelope(surface, cutBody);
            }
            catch (IOException)
            {
            }

            await AssertNothingHeldAsync(ct);
            return;
        }

        var (status, responseHeaders, body) = await raw.ReadResponseAsync(ct);
        Assert.Equal(408, status);
        Assert.StartsWith("application/json", responseHeaders["content-type"], StringComparison.Ordinal);
        AssertEnvelope(surface, body);
        await AssertNothingHeldAsync(ct);
    }

    [Fact]
    public async Task AdminBodyThatStopsArriving_Gets408InTheAdminEnvelope()
    {
        // The admin API has no body timeout of its own: Kestrel's minimum data rate (240 B/s after a 5 s grace) decides.
        var ct = Json.Timeout(40);
        using var raw = await RawHttp.OpenAsync(host.BaseAddress, "POST", "/admin/v1/accounts",
            ["Authorization: Bearer " + host.OperatorKey, "Content-Type: application/json", "Content-Length: 400"], """{"name":"""u8.ToArray(), ct);
        var (status, _, body) = await raw.ReadResponseAsync(ct);
        Assert.Equal(408, status);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal("body", doc.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task KeyAtItsConcurrency_IsRefusedBeforeItsBodyIsRead_AndNoSlotLeaks()
    {
        var ct = Json.Timeout(60);
        string key = await host.CreateKeyAsync(new ApiKeyLimits { ConcurrencyLimit = 1, RpmLimit = 20 }, ct);
        string[] headers = ["Authorization: Bearer " + key, "Content-Type: application/json", "Content-Length: " + AdmissionHost.BodyLimit];

        // The first request holds the key's only slot while its large body is (slowly) arriving.
        using var first = await RawHttp.OpenAsync(host.BaseAddress, "POST", "/v1/chat/completions", headers, "{\"model\""u8.ToArray(), ct);
        await AdmissionHost.WaitUntilAsync(() => host.Node.BufferedBodyBytes > AdmissionHost.BodyLimit, ct);
        long held = host.Node.BufferedBodyBytes;

        // The second sends its head only: the answer comes without a byte of its body, and no memory is set aside for it.
        using var second = await RawHttp.OpenAsync(host.BaseAddress, "POST", "/v1/chat/completions", headers, [], ct);
        var (status, responseHeaders, body) = await second.ReadResponseAsync(ct);
        Assert.Equal(429, status);
        Assert.Equal("1", responseHeaders["retry-after"]);
        Assert.Equal("20", responseHeaders["x-ratelimit-limit-requests"]);
        Assert.Contains("concurrency", body, StringComparison.Ordinal);
        Assert.Equal(held, host.Node.BufferedBodyBytes);

        // The first ends with 408 (its body never came), and every refusal below gives its slot back.
        Assert.Equal(408, (await first.ReadResponseAsync(ct)).Status);
        using var client = host.CreateClient(key);
        foreach (string bad in (string[])["{not json", """{"model":"no-such-model","messages":[{"role":"user","content":"hi"}]}"""])
        {
            using var refused = await client.PostAsync("/v1/chat/completions", Json.Body(bad), ct);
            Assert.InRange((int)refused.StatusCode, 400, 404);
        }

        using var tooLarge = await client.PostAsync("/v1/chat/completions", new ByteArrayContent(new byte[AdmissionHost.BodyLimit + 1]), ct);
        Assert.Equal(413, (int)tooLarge.StatusCode);
        for (int i = 0; i < 3; i++)
        {
            using var ok = await client.PostAsync("/v1/chat/completions", Json.Body(Chat), ct);
            Assert.Equal(200, (int)ok.StatusCode);
        }

        await AssertNothingHeldAsync(ct);
    }

    [Fact]
    public async Task BodiesBeyondTheServerWideBudget_Get503WithRetryAfter()
    {
        var ct = Json.Timeout(30);
        string[] headers = ["Authorization: Bearer " + AdmissionHost.ConfigKey, "Content-Type: application/json", "Content-Length: " + AdmissionHost.BodyLimit];
        using var first = await RawHttp.OpenAsync(host.BaseAddress, "POST", "/v1/messages", headers, "{"u8.ToArray(), ct);
        await AdmissionHost.WaitUntilAsync(() => host.Node.BufferedBodyBytes > AdmissionHost.BodyLimit, ct);

        // Two bodies of the largest size do not fit in a budget of twice that size plus nothing (each holds one spare byte).
        using var second = await RawHttp.OpenAsync(host.BaseAddress, "POST", "/v1/messages", headers, [], ct);
        var (status, responseHeaders, body) = await second.ReadResponseAsync(ct);
        Assert.Equal(503, status);
        Assert.Equal("1", responseHeaders["retry-after"]);
        AssertEnvelope("anthropic", body);
        Assert.Contains("overloaded_error", body, StringComparison.Ordinal);

        // A small body still fits beside the large one.
        using var client = host.CreateClient();
        using var small = await client.PostAsync("/v1/chat/completions", Json.Body(Chat), ct);
        Assert.Equal(200, (int)small.StatusCode);
        Assert.Equal(408, (await first.ReadResponseAsync(ct)).Status);
        await AssertNothingHeldAsync(ct);
    }

    [Fact]
    public async Task DecodingABody_IsCountedInTheBudget_AndABodyWhoseDecodingDoesNotFitGets503()
    {
        var ct = Json.Timeout(60);
        using var client = host.CreateClient();
        const int Length = 300_000;
        string Large(string model) => $$"""{"model":"{{model}}","max_tokens":20,"messages":[{"role":"user","content":"{{new string('a', Length - 80)}}"}]}""";

        // A decoded request holds its body and what decoding it costs (three bytes a byte) until it ends.
        var first = client.PostAsync("/v1/chat/completions", Json.Body(Large("m-slow")), ct);
        await AdmissionHost.WaitUntilAsync(() => host.Node.BufferedBodyBytes >= 3 * Length, ct);

        // The second body fits beside it in the budget (2 MiB), its decoding does not.
        using (var refused = await client.PostAsync("/v1/chat/completions", Json.Body(Large("m-openai")), ct))
        {
            string body = await refused.Content.ReadAsStringAsync(ct);
            Assert.Equal(503, (int)refused.StatusCode);
            Assert.Contains("memory for request bodies", body, StringComparison.Ordinal);
            AssertEnvelope("openai", body);
        }

        using (var response = await first)
        {
            Assert.Equal(200, (int)response.StatusCode);
        }

        await AssertNothingHeldAsync(ct);
    }

    [Fact]
    public async Task AnOpenStream_GivesItsBodysShareOfTheBudgetBackAtTheCommit_AndKeepsDecodingsShareUntilItEnds()
    {
        var ct = Json.Timeout(60);
        using var client = host.CreateClient();
        const int Length = 300_000;
        string large = $$"""{"model":"m-trickle","stream":true,"stream_options":{"include_usage":true},"max_tokens":20,"messages":[{"role":"user","content":"{{new string('a', Length - 140)}}"}]}""";
        int bodyLength = Encoding.UTF8.GetByteCount(large);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json.Body(large) };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(200, (int)response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        string? line = await reader.ReadLineAsync(ct);
        Assert.StartsWith("data: ", line, StringComparison.Ordinal);

        // The first event went out: the relay committed and released the client's body, whose array is back in the pool.
        // The budget now holds decoding's share alone (three bytes a byte of body), for as long as the stream is open
        // (20 tokens 200 ms apart: seconds more).
        await AdmissionHost.WaitUntilAsync(() => host.Node.BufferedBodyBytes == 3L * bodyLength, ct);
        Assert.Equal(1, host.Node.OpenStreams);

        string rest = await reader.ReadToEndAsync(ct);
        Assert.EndsWith("data: [DONE]", rest.TrimEnd(), StringComparison.Ordinal);
        await AssertNothingHeldAsync(ct);
    }

    [Fact]
    public async Task RequestsBeyondTheInFlightBound_Get503AtOnce_AndTheBoundRecovers()
    {
        var ct = Json.Timeout(60);
        using var client = host.CreateClient();
        const string Slow = """{"model":"m-slow","messages":[{"role":"user","content":"hi"}],"max_tokens":20}""";
        var slow = Enumerable.Range(0, AdmissionHost.MaxInFlight).Select(_ => client.PostAsync("/v1/chat/completions", Json.Body(Slow), ct)).ToList();
        await AdmissionHost.WaitUntilAsync(() => host.Node.InFlight == AdmissionHost.MaxInFlight, ct);

        foreach (var (path, surface) in new[] { ("/v1/chat/completions", "openai"), ("/v1/messages", "anthropic"), ("/v1beta/models/m-gemini:generateContent", "gemini") })
        {
            using var refused = await client.PostAsync(path, Json.Body(Chat), ct);
            Assert.Equal(503, (int)refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
            AssertEnvelope(surface, await refused.Content.ReadAsStringAsync(ct));
        }

        // Refused at once, not queued behind the slow ones (which take 3 s).
        Assert.DoesNotContain(slow, t => t.IsCompleted);
        foreach (var response in await Task.WhenAll(slow))
        {
            Assert.Equal(200, (int)response.StatusCode);
            response.Dispose();
        }

        await AssertNothingHeldAsync(ct);
        using var again = await client.PostAsync("/v1/chat/completions", Json.Body(Chat), ct);
        Assert.Equal(200, (int)again.StatusCode);
    }

    [Fact]
    public async Task AtTheInFlightBound_RelayedPathsAreRefusedBeforeRouting_OtherPathsAreServed()
    {
        var ct = Json.Timeout(60);
        using var client = host.CreateClient();
        const string Slow = """{"model":"m-slow","messages":[{"role":"user","content":"hi"}],"max_tokens":20}""";
        var slow = Enumerable.Range(0, AdmissionHost.MaxInFlight).Select(_ => client.PostAsync("/v1/chat/completions", Json.Body(Slow), ct)).ToList();
        await AdmissionHost.WaitUntilAsync(() => host.Node.InFlight == AdmissionHost.MaxInFlight, ct);

        // The gate's refusal is bytes made once, sent whole with their length (an endpoint writes its errors in chunks),
        // whatever the path's case and before any key is looked at.
        using var anonymous = new HttpClient { BaseAddress = host.BaseAddress };
        foreach (var (path, surface) in new[] { ("/V1/Chat/Completions", "openai"), ("/v1/embeddings", "openai"), ("/v1/completions", "openai"), ("/v1/messages/count_tokens", "anthropic"),
                     ("/v1beta/models/m-gemini:countTokens", "gemini"), ("/v1beta/models/m-gemini:streamGenerateContent", "gemini"),
                     ("/v1beta/models/m-gemini:embedContent", "gemini"), ("/v1beta/models/m-gemini:batchEmbedContents", "gemini") })
        {
            using var refused = await anonymous.PostAsync(path, Json.Body(Chat), ct);
            string body = await refused.Content.ReadAsStringAsync(ct);
            Assert.Equal(503, (int)refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
            Assert.Equal(Encoding.UTF8.GetByteCount(body), refused.Content.Headers.ContentLength);
            Assert.Contains("requests in flight", body, StringComparison.Ordinal);
            AssertEnvelope(surface, body);
        }

        // Requests that take no place in flight are served at the bound, and a Gemini method no endpoint serves keeps its 404.
        using (var models = await client.GetAsync("/v1/models", ct))
        {
            Assert.Equal(200, (int)models.StatusCode);
        }

        using (var unknown = await client.PostAsync("/v1beta/models/m-gemini:predict", Json.Body("{}"), ct))
        {
            Assert.Equal(404, (int)unknown.StatusCode);
        }

        foreach (var response in await Task.WhenAll(slow))
        {
            Assert.Equal(200, (int)response.StatusCode);
            response.Dispose();
        }

        await AssertNothingHeldAsync(ct);
    }

    [Fact]
    public async Task StreamsBeyondTheBound_Get503_PlainRequestsDoNot()
    {
        var ct = Json.Timeout(60);
        using var client = host.CreateClient();
        const string Stream = """{"model":"m-trickle","stream":true,"messages":[{"role":"user","content":"hi"}]}""";
        using (var open = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json.Body(Stream) },
            HttpCompletionOption.ResponseHeadersRead, ct))
        {
            Assert.Equal(200, (int)open.StatusCode);
            Assert.Equal(1, host.Node.OpenStreams);
            using var refused = await client.PostAsync("/v1/chat/completions", Json.Body(Stream), ct);
            Assert.Equal(503, (int)refused.StatusCode);
            Assert.Contains("open streams", await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
            Assert.True(refused.Headers.Contains("x-candor-receipt"), "a refusal after the body is read has its receipt");
            using var plain = await client.PostAsync("/v1/chat/completions", Json.Body(Chat), ct);
            Assert.Equal(200, (int)plain.StatusCode);
        }

        // The client left the open stream: its place is given back.
        await AssertNothingHeldAsync(ct);
    }

    /// <summary>Every request has ended: no place in flight, no stream, no byte of the body budget is still held.</summary>
    private async Task AssertNothingHeldAsync(CancellationToken ct)
    {
        using var settle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        settle.CancelAfter(TimeSpan.FromSeconds(10));
        await AdmissionHost.WaitUntilAsync(() => host.Node.InFlight == 0 && host.Node.OpenStreams == 0 && host.Node.BufferedBodyBytes == 0, settle.Token);
    }

    private static void AssertEnvelope(string surface, string body)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        switch (surface)
        {
            case "openai":
                Assert.False(string.IsNullOrEmpty(root.GetProperty("error").GetProperty("message").GetString()));
                break;
            case "anthropic":
                Assert.Equal("error", root.GetProperty("type").GetString());
                Assert.False(string.IsNullOrEmpty(root.GetProperty("error").GetProperty("type").GetString()));
                break;
            default:
                Assert.True(root.GetProperty("error").GetProperty("code").GetInt32() >= 400);
                Assert.False(string.IsNullOrEmpty(root.GetProperty("error").GetProperty("status").GetString()));
                break;
        }
    }
}
