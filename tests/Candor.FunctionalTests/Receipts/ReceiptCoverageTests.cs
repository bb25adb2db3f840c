using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Candor.Core.Receipts;
using Candor.Transparency.Merkle;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Receipts;

/// <summary>Every relayed request kind on every surface — chat (whole and streamed), embeddings, token counting —
/// and every ending — success, upstream 4xx/5xx, a body that does not decode after authentication, a client that
/// leaves mid-stream — yields exactly one receipt: it verifies with the independent verifier, its hashes match the
/// bytes the client sent and received and the body the emulator got, and it reaches the transparency log.</summary>
/// <remarks>No wall-clock bounds: waits are for conditions (the receipt stored, the log index set) under generous
/// timeouts, so a loaded 2-core machine only makes the test slower.</remarks>
public sealed class ReceiptCoverageTests(ReceiptHost host) : IClassFixture<ReceiptHost>
{
    /// <summary>One request: where it goes, what it sends, and what its receipt must say.</summary>
    /// <param name="Forwarded">True when an upstream received a body (its hash must be the receipt's forwarded hash).</param>
    /// <param name="Disconnect">True for a stream the client leaves after its first bytes.</param>
    public sealed record Case(string Path, string Body, string Kind, string Outcome, bool Forwarded, bool Disconnect = false);

    private const string BadJson = """{"model":"m-openai","messages":[{"role":"user","content":"x"}""";

    public static readonly Dictionary<string, Case> Cases = new()
    {
        // OpenAI surface.
        ["openai chat"] = new("/v1/chat/completions", """{"model":"m-openai","messages":[{"role":"user","content":"x"}]}""", ReceiptKind.Chat, "complete", true),
        ["openai chat stream"] = new("/v1/chat/completions", """{"model":"m-openai","stream":true,"messages":[{"role":"user","content":"x"}]}""", ReceiptKind.Chat, "complete", true),
        ["openai chat translated stream"] = new("/v1/chat/completions", """{"model":"m-gemini","stream":true,"messages":[{"role":"user","content":"x"}]}""", ReceiptKind.Chat, "complete", true),
        ["openai chat upstream 5xx"] = new("/v1/chat/completions", """{"model":"m-500","messages":[{"role":"user","content":"x"}]}""", ReceiptKind.Chat, "failed", true),
        ["openai chat invalid json"] = new("/v1/chat/completions", BadJson, ReceiptKind.Chat, "refused", false),
        ["openai chat disconnect"] = new("/v1/chat/completions", """{"model":"m-trickle","stream":true,"messages":[{"role":"user","content":"x"}]}""", ReceiptKind.Chat, "cancelled", true, Disconnect: true),

        // OpenAI's Responses API (translated to every upstream).
        ["responses"] = new("/v1/responses", """{"model":"m-openai","input":"x"}""", ReceiptKind.Chat, "complete", true),
        ["responses stream to anthropic"] = new("/v1/responses", """{"model":"m-anthropic","stream":true,"input":"x"}""", ReceiptKind.Chat, "complete", true),
        ["responses upstream 5xx"] = new("/v1/responses", """{"model":"m-500","input":"x"}""", ReceiptKind.Chat, "failed", true),
        ["responses store true"] = new("/v1/responses", """{"model":"m-openai","input":"x","store":true}""", ReceiptKind.Chat, "refused", false),
        ["openai embeddings"] = new("/v1/embeddings", """{"model":"m-embed","input":["one","two"]}""", ReceiptKind.Embeddings, "complete", true),
        ["openai embeddings base64"] = new("/v1/embeddings", """{"model":"m-embed","input":"one","encoding_format":"base64"}""", ReceiptKind.Embeddings, "complete", true),
        ["openai embeddings to gemini"] = new("/v1/embeddings", """{"model":"m-embed-gemini","input":["one"]}""", ReceiptKind.Embeddings, "complete", true),
        ["openai embeddings upstream 4xx"] = new("/v1/embeddings", """{"model":"m-embed-400","input":"one"}""", ReceiptKind.Embeddings, "failed", true),
        ["openai embeddings upstream 5xx"] = new("/v1/embeddings", """{"model":"m-embed-500","input":"one"}""", ReceiptKind.Embeddings, "failed", true),
        ["openai embeddings unknown model"] = new("/v1/embeddings", """{"model":"m-nope","input":"one"}""", ReceiptKind.Embeddings, "refused", false),
        ["openai embeddings invalid json"] = new("/v1/embeddings", """{"model":"m-embed","input":""", ReceiptKind.Embeddings, "refused", false),
        ["openai completions"] = new("/v1/completions", """{"model":"m-openai","prompt":"x"}""", ReceiptKind.Chat, "complete", true),
        ["openai completions translated stream"] = new("/v1/completions", """{"model":"m-anthropic","prompt":"x","stream":true}""", ReceiptKind.Chat, "complete", true),
        ["openai completions token prompt"] = new("/v1/completions", """{"model":"m-openai","prompt":[1,2]}""", ReceiptKind.Chat, "refused", false),

        // Anthropic surface.
        ["anthropic messages"] = new("/v1/messages", """{"model":"m-anthropic","max_tokens":50,"messages":[{"role":"user","content":"x"}]}""", ReceiptKind.Chat, "complete", true),
        ["anthropic messages stream"] = new("/v1/messages", """{"model":"m-anthropic","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"x"}]}""", ReceiptKind.Chat, "complete", true),
        ["anthropic messages upstream 4xx"] = new("/v1/messages", """{"model":"m-an400","max_tokens":50,"messages":[{"role":"user","content":"x"}]}""", ReceiptKind.Chat, "failed", true),
        ["anthropic messages upstream 5xx"] = new("/v1/messages", """{"model":"m-an500","max_tokens":50,"messages":[{"role":"user","content":"x"}]}""", ReceiptKind.Chat, "failed", true),
        ["anthropic messages invalid json"] = new("/v1/messages", """{"model":"m-anthropic","max_tokens":""", ReceiptKind.Chat, "refused", false),
        ["anthropic messages disconnect"] = new("/v1/messages", """{"model":"m-an-trickle","max_tokens":400,"stream":true,"messages":[{"role":"user","content":"x"}]}""", ReceiptKind.Chat, "cancelled", true, Disconnect: true),
        ["anthropic count_tokens"] = new("/v1/messages/count_tokens", """{"model":"m-anthropic","messages":[{"role":"user","content":"count these words"}]}""", ReceiptKind.CountTokens, "complete", true),
        ["anthropic count_tokens to gemini"] = new("/v1/messages/count_tokens", """{"model":"m-gemini","messages":[{"role":"user","content":"count these words"}]}""", ReceiptKind.CountTokens, "complete", true),
        ["anthropic count_tokens estimate"] = new("/v1/messages/count_tokens", """{"model":"m-openai","messages":[{"role":"user","content":"count these words"}]}""", ReceiptKind.CountTokens, "complete", false),
        ["anthropic count_tokens upstream 5xx"] = new("/v1/messages/count_tokens", """{"model":"m-an500","messages":[{"role":"user","content":"x"}]}""", ReceiptKind.CountTokens, "failed", true),
        ["anthropic count_tokens upstream 4xx"] = new("/v1/messages/count_tokens", """{"model":"m-an400","messages":[{"role":"user","content":"x"}]}""", ReceiptKind.CountTokens, "failed", true),
        ["anthropic count_tokens invalid json"] = new("/v1/messages/count_tokens", "{\"model\":", ReceiptKind.CountTokens, "refused", false),

        // Gemini surface.
        ["gemini generate"] = new("/v1beta/models/m-gemini:generateContent", """{"contents":[{"role":"user","parts":[{"text":"x"}]}]}""", ReceiptKind.Chat, "complete", true),
        ["gemini stream"] = new("/v1beta/models/m-gemini:streamGenerateContent?alt=sse", """{"contents":[{"role":"user","parts":[{"text":"x"}]}]}""", ReceiptKind.Chat, "complete", true),
        ["gemini generate upstream 4xx"] = new("/v1beta/models/m-ge400:generateContent", """{"contents":[{"role":"user","parts":[{"text":"x"}]}]}""", ReceiptKind.Chat, "failed", true),
        ["gemini stream upstream 5xx"] = new("/v1beta/models/m-ge503:streamGenerateContent?alt=sse", """{"contents":[{"role":"user","parts":[{"text":"x"}]}]}""", ReceiptKind.Chat, "failed", true),
        ["gemini generate invalid json"] = new("/v1beta/models/m-gemini:generateContent", """{"contents":[""", ReceiptKind.Chat, "refused", false),
        ["gemini stream disconnect"] = new("/v1beta/models/m-ge-trickle:streamGenerateContent?alt=sse", """{"contents":[{"role":"user","parts":[{"text":"x"}]}]}""", ReceiptKind.Chat, "cancelled", true, Disconnect: true),
        ["gemini countTokens"] = new("/v1beta/models/m-gemini:countTokens", """{"contents":[{"role":"user","parts":[{"text":"count these words"}]}]}""", ReceiptKind.CountTokens, "complete", true),
        ["gemini countTokens to anthropic"] = new("/v1beta/models/m-anthropic:countTokens", """{"contents":[{"role":"user","parts":[{"text":"count these words"}]}]}""", ReceiptKind.CountTokens, "complete", true),
        ["gemini countTokens upstream 4xx"] = new("/v1beta/models/m-ge400:countTokens", """{"contents":[{"role":"user","parts":[{"text":"x"}]}]}""", ReceiptKind.CountTokens, "failed", true),
        ["gemini countTokens upstream 5xx"] = new("/v1beta/models/m-ge503:countTokens", """{"contents":[{"role":"user","parts":[{"text":"x"}]}]}""", ReceiptKind.CountTokens, "failed", true),
        ["gemini countTokens invalid json"] = new("/v1beta/models/m-gemini:countTokens", "[1,", ReceiptKind.CountTokens, "refused", false),
        ["gemini embedContent"] = new("/v1beta/models/m-embed-gemini:embedContent", """{"content":{"parts":[{"text":"x"}]}}""", ReceiptKind.Embeddings, "complete", true),
        ["gemini batchEmbedContents to openai"] = new("/v1beta/models/m-embed:batchEmbedContents", """{"requests":[{"content":{"parts":[{"text":"x"}]}}]}""", ReceiptKind.Embeddings, "complete", true),
        ["gemini batchEmbedContents invalid"] = new("/v1beta/models/m-embed:batchEmbedContents", """{"requests":[]}""", ReceiptKind.Embeddings, "refused", false),
    };

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (string name in Cases.Keys)
        {
            data.Add(name);
        }

        return data;
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static CancellationToken Generous() => Json.Timeout(120);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task EveryRequestPath_YieldsExactlyOneVerifiableReceipt(string name)
    {
        var c = Cases[name];
        var ct = Generous();
        using var client = host.CreateClient(ReceiptHost.Alice);
        client.Timeout = TimeSpan.FromSeconds(120);
        byte[] sent = Encoding.UTF8.GetBytes(c.Body);
        long journaled = host.Emulator.Journal.Count;
        using var request = new HttpRequestMessage(HttpMethod.Post, c.Path) { Content = new ByteArrayContent(sent) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("anthropic-version", "2023-06-01");

        string receiptId, requestId;
        HttpStatusCode status;
        byte[] received;
        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct))
        {
            status = response.StatusCode;
            receiptId = response.Headers.GetValues(ReceiptService.Header).Single();
            requestId = response.Headers.GetValues("x-request-id").Single();
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            if (c.Disconnect)
            {
                // Read the first bytes of the stream, then leave (disposing the response resets the connection).
                byte[] first = new byte[64];
                int n = await stream.ReadAsync(first, ct);
                Assert.True(n > 0);
                received = first[..n];
            }
            else
            {
                using var all = new MemoryStream();
                await stream.CopyToAsync(all, ct);
                received = all.ToArray();
            }
        }

        Assert.Matches("^rcpt_[0-9a-f]{28}$", receiptId);

        // A response the client has whole was sealed before its last bytes were flushed: the first read finds it.
        // Only a client that left must wait until the relay notices.
        var (raw, receipt) = c.Disconnect ? await WaitForReceiptAsync(client, receiptId, ct) : await FetchOnceAsync(client, receiptId, ct);
        Assert.True(IndependentReceiptVerifier.Verify(raw, await VerifierKeyAsync(client, ct)), name + ": the receipt does not verify");
        Assert.Equal(receiptId, receipt.GetProperty("id").GetString());
        Assert.Equal(requestId, receipt.GetProperty("request_id").GetString());
        Assert.Equal(c.Kind, receipt.GetProperty("kind").GetString());
        Assert.Equal(c.Outcome, receipt.GetProperty("outcome").GetString());

        // A configuration key is never metered, and the receipt says so rather than leaving bare nulls.
        Assert.Equal(c.Kind == ReceiptKind.CountTokens ? "free" : "configuration_key", receipt.GetProperty("metering").GetString());
        Assert.Equal(JsonValueKind.Null, receipt.GetProperty("usage").GetProperty("counted").ValueKind);
        Assert.Equal(JsonValueKind.Null, receipt.GetProperty("charge").ValueKind);
        Assert.Equal(Sha(sent), receipt.GetProperty("request").GetProperty("sha256").GetString());
        Assert.Equal(sent.Length, receipt.GetProperty("request").GetProperty("bytes").GetInt32());
        var delivered = receipt.GetProperty("response");
        if (c.Disconnect)
        {
            // The relay wrote at least what the client read before leaving (it cannot know how much more arrived).
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(delivered.GetProperty("delivered_bytes").GetInt64() >= received.Length);
        }
        else
        {
            Assert.Equal(Sha(received), delivered.GetProperty("delivered_sha256").GetString());
            Assert.Equal(received.Length, delivered.GetProperty("delivered_bytes").GetInt64());
            Assert.Equal((int)status, receipt.GetProperty("status").GetInt32());
            Assert.Equal(c.Outcome == "complete", status == HttpStatusCode.OK);
        }

        if (c.Forwarded)
        {
            // This class's requests run one at a time against its own emulator: the newest journal entry is ours.
            Assert.Equal(journaled + 1, host.Emulator.Journal.Count);
            Assert.Equal(Sha(host.Emulator.Journal.Last!.Body.ToArray()), receipt.GetProperty("forwarded").GetProperty("sha256").GetString());
            Assert.NotEqual(JsonValueKind.Null, receipt.GetProperty("channel").ValueKind);
            Assert.True(receipt.GetProperty("attempts").GetInt32() >= 1);
        }
        else
        {
            Assert.Equal(journaled, host.Emulator.Journal.Count);
            Assert.Equal(JsonValueKind.Null, receipt.GetProperty("forwarded").ValueKind);
            Assert.Equal(JsonValueKind.Null, receipt.GetProperty("channel").ValueKind);
        }

        if (c.Outcome == "complete" && c.Forwarded)
        {
            Assert.True(delivered.GetProperty("upstream_bytes").GetInt64() > 0);
            Assert.Matches("^[0-9a-f]{64}$", delivered.GetProperty("upstream_sha256").GetString()!);
        }

        if (c.Outcome == "refused" && c.Body.Length > 0)
        {
            Assert.Equal(JsonValueKind.Null, receipt.GetProperty("model").GetProperty("requested").ValueKind);
        }

        // Exactly one stored receipt for the request, and its hash is a leaf of the transparency log.
        Assert.Equal(1, await host.CountReceiptsAsync(requestId));
        long index = await WaitForLogIndexAsync(client, receiptId, ct);
        Assert.Equal(TreeHash.Leaf(SHA256.HashData(raw)), await host.LeafHashAsync(index, ct));
    }

    [Fact]
    public async Task Embeddings_ListTheirTransformations()
    {
        using var client = host.CreateClient(ReceiptHost.Alice);
        var ct = Generous();
        var (_, base64) = await SendAndFetchAsync(client, "/v1/embeddings", """{"model":"m-embed","input":"one","encoding_format":"base64"}""", ct);
        var listed = base64.GetProperty("transformations").EnumerateArray().Select(t => (t.GetProperty("kind").GetString(), t.GetProperty("target").GetString())).ToList();
        Assert.Contains(("model_mapping", "model"), listed);
        Assert.Contains(("injected", "encoding_format"), listed);
        Assert.Equal("translated", base64.GetProperty("path").GetString());
        Assert.Equal("text-embedding-3-small", base64.GetProperty("model").GetProperty("upstream").GetString());
        Assert.Equal("m-embed", base64.GetProperty("model").GetProperty("requested").GetString());
        Assert.Equal(JsonValueKind.Object, base64.GetProperty("usage").GetProperty("reported").ValueKind);

        var (_, gemini) = await SendAndFetchAsync(client, "/v1/embeddings", """{"model":"m-embed-gemini","input":["one"],"encoding_format":"float"}""", ct);
        var wire = gemini.GetProperty("transformations").EnumerateArray().Single(t => t.GetProperty("target").GetString() == "wire");
        Assert.Equal("openai -> gemini", wire.GetProperty("detail").GetString());
        Assert.DoesNotContain(gemini.GetProperty("transformations").EnumerateArray(), t => t.GetProperty("target").GetString() == "encoding_format");
        Assert.Equal("ge", gemini.GetProperty("channel").GetProperty("id").GetString());
    }

    [Fact]
    public async Task CompletionsAndJsonModeOnAnthropic_ListTheirTransformations_AndRaiseNoFlag()
    {
        using var client = host.CreateClient(ReceiptHost.Alice);
        var ct = Generous();
        static List<(string?, string?)> Listed(JsonElement receipt) =>
            receipt.GetProperty("transformations").EnumerateArray().Select(t => (t.GetProperty("kind").GetString(), t.GetProperty("target").GetString())).ToList();

        var (_, completions) = await SendAndFetchAsync(client, "/v1/completions", """{"model":"m-anthropic","prompt":"x"}""", ct);
        Assert.Contains(("translated", "surface"), Listed(completions));
        Assert.Contains(("translated", "wire"), Listed(completions));
        Assert.Empty(completions.GetProperty("flags").EnumerateArray());

        var (response, json) = await SendAndFetchAsync(client, "/v1/chat/completions",
            """{"model":"m-anthropic","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"[[emulator:reply={\"a\":1}]] x"}]}""", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(("injected", "messages"), Listed(json));
        Assert.Empty(json.GetProperty("flags").EnumerateArray());
        Assert.Contains(Candor.Protocols.Anthropic.AnthropicRequestEncoder.JsonObjectInstruction, host.Emulator.Journal.Last!.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BilledCompletions_AreMeteredAndCharged()
    {
        var ct = Generous();
        string key = await host.CreateStoredKeyAsync(ct);
        using var client = host.CreateClient(key);
        var (response, receipt) = await SendAndFetchAsync(client, "/v1/completions", """{"model":"m-openai","prompt":"one two three","max_tokens":20}""", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("metered", receipt.GetProperty("metering").GetString());
        Assert.True(long.Parse(response.Headers.GetValues("x-candor-charge-micros").Single(), CultureInfo.InvariantCulture) > 0);
        Assert.True(receipt.GetProperty("usage").GetProperty("counted").GetProperty("input_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task BilledEmbeddings_ReceiptCarriesTheCountAndTheCharge()
    {
        var ct = Generous();
        string key = await host.CreateStoredKeyAsync(ct);
        using var client = host.CreateClient(key);
        var (response, receipt) = await SendAndFetchAsync(client, "/v1/embeddings", """{"model":"m-embed","input":["one two three","four"]}""", ct);
        long charged = long.Parse(response.Headers.GetValues("x-candor-charge-micros").Single(), CultureInfo.InvariantCulture);
        Assert.Equal(charged, receipt.GetProperty("charge").GetProperty("micros").GetInt64());
        Assert.Equal(JsonValueKind.Object, receipt.GetProperty("charge").GetProperty("price").ValueKind);
        Assert.True(receipt.GetProperty("usage").GetProperty("counted").GetProperty("input_tokens").GetInt32() > 0);
        Assert.Equal(JsonValueKind.Object, receipt.GetProperty("usage").GetProperty("billed").ValueKind);
        Assert.Equal("metered", receipt.GetProperty("metering").GetString());

        // The same stored key's body that does not decode is receipted before admission: nothing metered.
        using var bad = await client.PostAsync("/v1/embeddings", Json.Body("{"), ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var (_, refused) = await FetchOnceAsync(client, bad.Headers.GetValues(ReceiptService.Header).Single(), ct);
        Assert.Equal("refused", refused.GetProperty("outcome").GetString());
        Assert.Equal("none", refused.GetProperty("metering").GetString());
    }

    [Theory]
    [InlineData("/v1/chat/completions", "x/status=500/v1/chat/completions", """{"model":"m-500","messages":[{"role":"user","content":"x"}]}""", "gpt-4o", 500)]
    [InlineData("/v1/embeddings", "x/status=500/v1/embeddings", """{"model":"m-embed-500","input":"one"}""", "text-embedding-3-small", 500)]
    [InlineData("/v1/messages", "x/status=500/v1/messages", """{"model":"m-an500","max_tokens":50,"messages":[{"role":"user","content":"x"}]}""", "claude-sonnet-4-5", 500)]
    public async Task UpstreamErrorAnswer_IsHashedWithItsStatus(string path, string upstreamPath, string body, string upstreamModel, int upstreamStatus)
    {
        var ct = Generous();

        // What the emulator sends for this fault, asked directly with the body Candor forwards (the model mapped).
        using var direct = new HttpClient { BaseAddress = host.Emulator.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        string forwarded = body.Replace("\"model\":\"m-500\"", $"\"model\":\"{upstreamModel}\"", StringComparison.Ordinal)
            .Replace("\"model\":\"m-embed-500\"", $"\"model\":\"{upstreamModel}\"", StringComparison.Ordinal)
            .Replace("\"model\":\"m-an500\"", $"\"model\":\"{upstreamModel}\"", StringComparison.Ordinal);
        using var ask = new HttpRequestMessage(HttpMethod.Post, upstreamPath) { Content = new StringContent(forwarded, Encoding.UTF8, "application/json") };
        ask.Headers.Add("Authorization", "Bearer " + CandorTestHost.UpstreamSecret);
        ask.Headers.Add("x-api-key", CandorTestHost.UpstreamSecret);
        ask.Headers.Add("anthropic-version", "2023-06-01");
        using var upstream = await direct.SendAsync(ask, ct);
        Assert.Equal(upstreamStatus, (int)upstream.StatusCode);
        byte[] sent = await upstream.Content.ReadAsByteArrayAsync(ct);
        Assert.NotEmpty(sent);

        using var client = host.CreateClient(ReceiptHost.Alice);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json.Body(body) };
        request.Headers.Add("anthropic-version", "2023-06-01");
        using var response = await client.SendAsync(request, ct);
        var (raw, receipt) = await FetchOnceAsync(client, response.Headers.GetValues(ReceiptService.Header).Single(), ct);
        Assert.True(IndependentReceiptVerifier.Verify(raw, await VerifierKeyAsync(client, ct)));
        Assert.NotEqual(upstreamStatus, (int)response.StatusCode);
        Assert.Equal((int)response.StatusCode, receipt.GetProperty("status").GetInt32());
        Assert.Equal(upstreamStatus, receipt.GetProperty("upstream").GetProperty("status").GetInt32());
        Assert.Equal(sent.Length, receipt.GetProperty("response").GetProperty("upstream_bytes").GetInt64());
        Assert.Equal(Sha(sent), receipt.GetProperty("response").GetProperty("upstream_sha256").GetString());
    }

    [Fact]
    public async Task SuccessfulAnswer_RecordsTheUpstreamStatus()
    {
        using var client = host.CreateClient(ReceiptHost.Alice);
        var (_, receipt) = await SendAndFetchAsync(client, "/v1/chat/completions", """{"model":"m-openai","messages":[{"role":"user","content":"x"}]}""", Generous());
        Assert.Equal(200, receipt.GetProperty("upstream").GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData("m-azure-honest", "gpt-4o-mini", false)]
    [InlineData("m-azure-sub", "gpt-4o", true)]
    [InlineData("m-azure-undeclared", null, false)]
    public async Task AzureServedModel_IsAuditedAgainstTheDeclaredModel(string model, string? expected, bool flagged)
    {
        // The emulator's Azure reports the deployment name (gpt-4o-mini) as the served model.
        using var client = host.CreateClient(ReceiptHost.Alice);
        var (_, receipt) = await SendAndFetchAsync(client, "/v1/chat/completions", $$"""{"model":"{{model}}","messages":[{"role":"user","content":"x"}]}""", Generous());
        Assert.Equal("az", receipt.GetProperty("channel").GetProperty("id").GetString());
        Assert.Equal("gpt-4o-mini", receipt.GetProperty("model").GetProperty("reported").GetString());
        Assert.Equal(expected, receipt.GetProperty("model").GetProperty("expected").GetString());
        Assert.Equal(flagged, receipt.GetProperty("flags").EnumerateArray().Any(f => f.GetString() == AuditFlags.ServedModelMismatch));
    }

    [Fact]
    public async Task CountTokens_IsNotBilled_AndTheEstimateForwardsNothing()
    {
        var ct = Generous();
        string key = await host.CreateStoredKeyAsync(ct);
        using var client = host.CreateClient(key);
        var (response, receipt) = await SendAndFetchAsync(client, "/v1/messages/count_tokens", """{"model":"m-openai","messages":[{"role":"user","content":"count these words"}]}""", ct);
        Assert.Equal("estimate", response.Headers.GetValues("x-candor-count-source").Single());
        Assert.Equal("-", receipt.GetProperty("path").GetString());
        Assert.Equal(0, receipt.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, receipt.GetProperty("charge").ValueKind);
        Assert.Equal(JsonValueKind.Null, receipt.GetProperty("usage").GetProperty("counted").ValueKind);
        Assert.Equal("free", receipt.GetProperty("metering").GetString());
    }

    private async Task<(HttpResponseMessage Response, JsonElement Receipt)> SendAndFetchAsync(HttpClient client, string path, string body, CancellationToken ct)
    {
        var response = await client.PostAsync(path, Json.Body(body), ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string id = response.Headers.GetValues(ReceiptService.Header).Single();
        var (raw, receipt) = await FetchOnceAsync(client, id, ct);
        Assert.True(IndependentReceiptVerifier.Verify(raw, await VerifierKeyAsync(client, ct)));
        return (response, receipt);
    }

    private static async Task<(byte[] Raw, JsonElement Receipt)> FetchOnceAsync(HttpClient client, string id, CancellationToken ct)
    {
        using var response = await client.GetAsync("/v1/receipts/" + id, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        byte[] raw = await response.Content.ReadAsByteArrayAsync(ct);
        using var doc = JsonDocument.Parse(raw);
        return (raw, doc.RootElement.GetProperty("receipt").Clone());
    }

    /// <summary>Fetches a receipt; a cancelled request's receipt is stored once the relay notices the client left.</summary>
    private static async Task<(byte[] Raw, JsonElement Receipt)> WaitForReceiptAsync(HttpClient client, string id, CancellationToken ct)
    {
        while (true)
        {
            using var response = await client.GetAsync("/v1/receipts/" + id, ct);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                byte[] raw = await response.Content.ReadAsByteArrayAsync(ct);
                using var doc = JsonDocument.Parse(raw);
                return (raw, doc.RootElement.GetProperty("receipt").Clone());
            }

            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            await Task.Delay(50, ct);
        }
    }

    private static async Task<long> WaitForLogIndexAsync(HttpClient client, string id, CancellationToken ct)
    {
        while (true)
        {
            using var response = await client.GetAsync("/v1/receipts/" + id, ct);
            if (response.Headers.TryGetValues("x-candor-log-index", out var values))
            {
                return long.Parse(values.Single(), CultureInfo.InvariantCulture);
            }

            await Task.Delay(50, ct);
        }
    }

    private static async Task<string> VerifierKeyAsync(HttpClient client, CancellationToken ct)
    {
        var wellKnown = await Json.ReadAsync(await client.GetAsync("/.well-known/candor", ct), ct);
        return wellKnown.GetProperty("receipt_keys")[0].GetProperty("verifier_key").GetString()!;
    }
}
