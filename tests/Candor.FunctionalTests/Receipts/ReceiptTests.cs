using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Candor.Core.Receipts;
using Candor.FunctionalTests.Infrastructure;
using Candor.Server.Cli;
using Candor.Transparency.Merkle;

namespace Candor.FunctionalTests.Receipts;

/// <summary>Every request path yields exactly one signed receipt whose hashes match what the emulator received and
/// what the client got; receipts are readable by their owner only and verify independently.</summary>
public sealed class ReceiptTests(ReceiptHost host) : IClassFixture<ReceiptHost>
{
    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private sealed record Exchange(HttpStatusCode Status, string ReceiptId, string RequestId, byte[] Body, byte[] Sent);

    private async Task<Exchange> SendAsync(string path, string body, string key = ReceiptHost.Alice)
    {
        using var client = host.CreateClient(key);
        var ct = Json.Timeout();
        byte[] sent = Encoding.UTF8.GetBytes(body);
        using var content = new ByteArrayContent(sent);
        content.Headers.ContentType = new("application/json");
        using var response = await client.PostAsync(path, content, ct);
        byte[] received = await response.Content.ReadAsByteArrayAsync(ct);
        return new(response.StatusCode, response.Headers.GetValues(ReceiptService.Header).Single(), response.Headers.GetValues("x-request-id").Single(), received, sent);
    }

    private async Task<(byte[] Raw, JsonElement Receipt)> FetchAsync(string id, string key = ReceiptHost.Alice)
    {
        using var client = host.CreateClient(key);
        var ct = Json.Timeout();
        using var response = await client.GetAsync("/v1/receipts/" + id, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        byte[] raw = await response.Content.ReadAsByteArrayAsync(ct);
        using var doc = JsonDocument.Parse(raw);
        return (raw, doc.RootElement.GetProperty("receipt").Clone());
    }

    private async Task<string> VerifierKeyAsync()
    {
        using var client = host.CreateClient(ReceiptHost.Alice);
        var wellKnown = await Json.ReadAsync(await client.GetAsync("/.well-known/candor", Json.Timeout()), Json.Timeout());
        return wellKnown.GetProperty("receipt_keys")[0].GetProperty("verifier_key").GetString()!;
    }

    private async Task<JsonElement> CheckedReceiptAsync(Exchange exchange)
    {
        var (raw, receipt) = await FetchAsync(exchange.ReceiptId);
        Assert.True(IndependentReceiptVerifier.Verify(raw, await VerifierKeyAsync()));
        Assert.Equal(exchange.ReceiptId, receipt.GetProperty("id").GetString());
        Assert.Equal(exchange.RequestId, receipt.GetProperty("request_id").GetString());
        Assert.Equal(Sha(exchange.Sent), receipt.GetProperty("request").GetProperty("sha256").GetString());
        Assert.Equal(Sha(exchange.Body), receipt.GetProperty("response").GetProperty("delivered_sha256").GetString());
        Assert.Equal((int)exchange.Status, receipt.GetProperty("status").GetInt32());
        Assert.Equal(1, await host.CountReceiptsAsync(exchange.RequestId));
        return receipt;
    }

    [Fact]
    public async Task FastPathJson_ReceiptHashesMatchTheEmulatorAndTheClient()
    {
        var exchange = await SendAsync("/v1/chat/completions", """{"model":"m-openai","temperature":0.3,"messages":[{"role":"user","content":"hello receipts"}]}""");
        Assert.Equal(HttpStatusCode.OK, exchange.Status);
        byte[] forwarded = host.Emulator.Journal.Last!.Body.ToArray();
        var receipt = await CheckedReceiptAsync(exchange);
        Assert.Equal("complete", receipt.GetProperty("outcome").GetString());
        Assert.Equal("fast", receipt.GetProperty("path").GetString());
        Assert.Equal(Sha(forwarded), receipt.GetProperty("forwarded").GetProperty("sha256").GetString());
        Assert.Equal(Sha(exchange.Body), receipt.GetProperty("response").GetProperty("upstream_sha256").GetString());
        Assert.Equal("model_mapping", receipt.GetProperty("transformations")[0].GetProperty("kind").GetString());
        Assert.Equal("oa", receipt.GetProperty("channel").GetProperty("id").GetString());
        Assert.Equal("us", receipt.GetProperty("channel").GetProperty("region").GetString());
        Assert.Equal("gpt-4o-mini", receipt.GetProperty("model").GetProperty("upstream").GetString());
        Assert.StartsWith("chatcmpl-", receipt.GetProperty("upstream").GetProperty("response_id").GetString());
        Assert.StartsWith("fp_", receipt.GetProperty("upstream").GetProperty("system_fingerprint").GetString());
        Assert.Equal(0, receipt.GetProperty("flags").GetArrayLength());
        Assert.Equal(JsonValueKind.Object, receipt.GetProperty("usage").GetProperty("reported").ValueKind);
        Assert.DoesNotContain("hello receipts", receipt.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TranslatedStream_ReceiptListsTheTransformationsAndHashesTheSseBytes()
    {
        var exchange = await SendAsync("/v1/chat/completions", """{"model":"m-anthropic","stream":true,"temperature":0.2,"messages":[{"role":"user","content":"stream please"}]}""");
        Assert.Equal(HttpStatusCode.OK, exchange.Status);
        Assert.EndsWith("data: [DONE]\n\n", Encoding.UTF8.GetString(exchange.Body));
        byte[] forwarded = host.Emulator.Journal.Last!.Body.ToArray();
        var receipt = await CheckedReceiptAsync(exchange);
        Assert.Equal("complete", receipt.GetProperty("outcome").GetString());
        Assert.Equal("translated", receipt.GetProperty("path").GetString());
        Assert.Equal(Sha(forwarded), receipt.GetProperty("forwarded").GetProperty("sha256").GetString());
        var targets = receipt.GetProperty("transformations").EnumerateArray().Select(t => t.GetProperty("target").GetString()).ToList();
        Assert.Contains("model", targets);
        Assert.Contains("wire", targets);
        Assert.Contains("max_output_tokens", targets);
        Assert.Equal(0, receipt.GetProperty("flags").GetArrayLength());
        Assert.True(receipt.GetProperty("response").GetProperty("upstream_bytes").GetInt64() > 0);
    }

    [Theory]
    [InlineData("/v1/chat/completions", """{"model":"m-gemini","max_tokens":50,"temperature":0.4,"top_p":0.9,"seed":3,"stop":["zz"],"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"x"}]}""")]
    [InlineData("/v1/chat/completions", """{"model":"m-anthropic","max_tokens":50,"temperature":0.4,"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"x"}]}""")]
    [InlineData("/v1/messages", """{"model":"m-openai","max_tokens":50,"temperature":0.4,"system":"be brief","messages":[{"role":"user","content":"x"}]}""")]
    [InlineData("/v1/messages", """{"model":"m-gemini","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"x"}]}""")]
    [InlineData("/v1beta/models/m-openai:generateContent", """{"generationConfig":{"maxOutputTokens":50,"temperature":0.4},"contents":[{"role":"user","parts":[{"text":"x"}]}]}""")]
    public async Task TranslatedRequests_KeepTheClientsParameters_NoIntegrityFlag(string path, string body)
    {
        var exchange = await SendAsync(path, body);
        Assert.Equal(HttpStatusCode.OK, exchange.Status);
        var receipt = await CheckedReceiptAsync(exchange);
        Assert.Equal("translated", receipt.GetProperty("path").GetString());
        Assert.Equal("[]", receipt.GetProperty("flags").GetRawText());
    }

    [Fact]
    public async Task GeminiFastStream_ReceiptHashesTheDeliveredBytes()
    {
        var exchange = await SendAsync("/v1beta/models/m-gemini:streamGenerateContent?alt=sse", """{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}""");
        Assert.Equal(HttpStatusCode.OK, exchange.Status);
        var receipt = await CheckedReceiptAsync(exchange);
        Assert.Equal("complete", receipt.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Upstream5xx_YieldsOneFailedReceipt()
    {
        var exchange = await SendAsync("/v1/chat/completions", """{"model":"m-500","messages":[{"role":"user","content":"x"}]}""");
        Assert.Equal(HttpStatusCode.BadGateway, exchange.Status);
        var receipt = await CheckedReceiptAsync(exchange);
        Assert.Equal("failed", receipt.GetProperty("outcome").GetString());
        Assert.Equal("broken", receipt.GetProperty("channel").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Failover_ReceiptNamesTheUpstreamThatFailedBesideTheOneThatAnswered()
    {
        // The first deployment received the whole prompt and answered 500; the receipt names it, what it was sent and
        // what it answered (hashes and status), beside the channel that served.
        var exchange = await SendAsync("/v1/chat/completions", """{"model":"m-failover","messages":[{"role":"user","content":"x"}]}""");
        Assert.Equal(HttpStatusCode.OK, exchange.Status);
        var receipt = await CheckedReceiptAsync(exchange);
        Assert.Equal("complete", receipt.GetProperty("outcome").GetString());
        Assert.Equal(2, receipt.GetProperty("attempts").GetInt32());
        Assert.Equal("oa", receipt.GetProperty("channel").GetProperty("id").GetString());
        var failed = Assert.Single(receipt.GetProperty("failed_attempts").EnumerateArray());
        Assert.Equal("broken-first", failed.GetProperty("channel").GetProperty("id").GetString());
        Assert.Equal("eu", failed.GetProperty("channel").GetProperty("region").GetString());
        Assert.Equal("gpt-4o", failed.GetProperty("upstream_model").GetString());
        Assert.Equal(500, failed.GetProperty("upstream").GetProperty("status").GetInt32());
        Assert.True(failed.GetProperty("upstream").GetProperty("bytes").GetInt64() > 0);
        Assert.Equal(64, failed.GetProperty("upstream").GetProperty("sha256").GetString()!.Length);
        Assert.Equal(64, failed.GetProperty("forwarded").GetProperty("sha256").GetString()!.Length);
        Assert.False(string.IsNullOrEmpty(failed.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task NoFailover_ReceiptHasNoFailedAttempts()
    {
        var exchange = await SendAsync("/v1/chat/completions", """{"model":"m-openai","messages":[{"role":"user","content":"x"}]}""");
        var receipt = await CheckedReceiptAsync(exchange);
        Assert.False(receipt.TryGetProperty("failed_attempts", out _));
    }

    [Fact]
    public async Task UnknownModel_YieldsOneRefusedReceipt()
    {
        var exchange = await SendAsync("/v1/chat/completions", """{"model":"m-nope","messages":[{"role":"user","content":"x"}]}""");
        Assert.Equal(HttpStatusCode.NotFound, exchange.Status);
        var receipt = await CheckedReceiptAsync(exchange);
        Assert.Equal("refused", receipt.GetProperty("outcome").GetString());
        Assert.Equal(JsonValueKind.Null, receipt.GetProperty("forwarded").ValueKind);
    }

    [Fact]
    public async Task MidStreamCut_YieldsOnePartialReceipt()
    {
        var exchange = await SendAsync("/v1/chat/completions", """{"model":"m-cut","stream":true,"messages":[{"role":"user","content":"x"}]}""");
        Assert.Equal(HttpStatusCode.OK, exchange.Status);
        var receipt = await CheckedReceiptAsync(exchange);
        Assert.Equal("partial", receipt.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task FirstByteTimeout_YieldsOneFailedReceipt()
    {
        var exchange = await SendAsync("/v1/chat/completions", """{"model":"m-slow","messages":[{"role":"user","content":"x"}]}""");
        Assert.Equal(HttpStatusCode.GatewayTimeout, exchange.Status);
        var receipt = await CheckedReceiptAsync(exchange);
        Assert.Equal("failed", receipt.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task ClientDisconnect_YieldsOneCancelledReceiptAfterTheStream()
    {
        using var client = host.CreateClient(ReceiptHost.Alice);
        var ct = Json.Timeout();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body("""{"model":"m-trickle","stream":true,"messages":[{"role":"user","content":"x"}]}"""),
        };
        string id, requestId;
        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct))
        {
            // The id is in the headers at the start of the stream.
            id = response.Headers.GetValues(ReceiptService.Header).Single();
            requestId = response.Headers.GetValues("x-request-id").Single();
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            Assert.True(await stream.ReadAsync(new byte[64], ct) > 0);
        }

        // Fetchable once the relay has noticed and sealed it.
        JsonElement? receipt = null;
        for (int i = 0; i < 100 && receipt is null; i++)
        {
            using var r = await client.GetAsync("/v1/receipts/" + id, ct);
            if (r.StatusCode == HttpStatusCode.OK)
            {
                using var doc = JsonDocument.Parse(await r.Content.ReadAsByteArrayAsync(ct));
                receipt = doc.RootElement.GetProperty("receipt").Clone();
            }
            else
            {
                await Task.Delay(100, ct);
            }
        }

        Assert.NotNull(receipt);
        Assert.Equal("cancelled", receipt.Value.GetProperty("outcome").GetString());
        Assert.Equal(1, await host.CountReceiptsAsync(requestId));
    }

    [Fact]
    public async Task AnotherKey_GetsNotFound()
    {
        var exchange = await SendAsync("/v1/chat/completions", """{"model":"m-openai","messages":[{"role":"user","content":"mine"}]}""");
        await FetchAsync(exchange.ReceiptId, ReceiptHost.Alice);
        using var bob = host.CreateClient(ReceiptHost.Bob);
        using var response = await bob.GetAsync("/v1/receipts/" + exchange.ReceiptId, Json.Timeout());
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

        string stored = await host.CreateStoredKeyAsync(Json.Timeout());
        using var other = host.CreateClient(stored);
        using var response2 = await other.GetAsync("/v1/receipts/" + exchange.ReceiptId, Json.Timeout());
        Assert.Equal(HttpStatusCode.NotFound, response2.StatusCode);

        // The stored key reads its own.
        var own = await SendAsync("/v1/chat/completions", """{"model":"m-openai","messages":[{"role":"user","content":"mine"}]}""", stored);
        var (_, receipt) = await FetchAsync(own.ReceiptId, stored);
        Assert.NotEqual(JsonValueKind.Null, receipt.GetProperty("charge").ValueKind);
        using var alice = host.CreateClient(ReceiptHost.Alice);
        using var response3 = await alice.GetAsync("/v1/receipts/" + own.ReceiptId, Json.Timeout());
        Assert.Equal(HttpStatusCode.NotFound, response3.StatusCode);
    }

    [Fact]
    public async Task ChangedByte_FailsBothVerifiers()
    {
        var exchange = await SendAsync("/v1/chat/completions", """{"model":"m-openai","messages":[{"role":"user","content":"x"}]}""");
        var (raw, _) = await FetchAsync(exchange.ReceiptId);
        string key = await VerifierKeyAsync();
        Assert.True(ReceiptVerifier.Verify(raw, key).Valid);
        var rng = new Random(7);
        for (int n = 0; n < 200; n++)
        {
            byte[] changed = (byte[])raw.Clone();
            changed[rng.Next(changed.Length)] ^= (byte)(1 << rng.Next(7));
            Assert.False(IndependentReceiptVerifier.Verify(changed, key));
            Assert.False(ReceiptVerifier.Verify(changed, key).Valid);
        }
    }

    [Fact]
    public async Task ServedModelSubstitution_IsFlaggedAndCounted()
    {
        long counted = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Candor.Receipts" && instrument.Name == "candor.audit.flags")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "channel" && (string?)tag.Value == "liar")
                {
                    Interlocked.Add(ref counted, value);
                }
            }
        });
        listener.Start();
        var exchange = await SendAsync("/v1/chat/completions", """{"model":"m-liar","messages":[{"role":"user","content":"x"}]}""");
        var receipt = await CheckedReceiptAsync(exchange);
        Assert.Equal("gpt-4o", receipt.GetProperty("model").GetProperty("upstream").GetString());
        Assert.Equal("gpt-4o-mini", receipt.GetProperty("model").GetProperty("reported").GetString());
        Assert.Contains(receipt.GetProperty("flags").EnumerateArray(), f => f.GetString() == AuditFlags.ServedModelMismatch);
        Assert.True(Interlocked.Read(ref counted) >= 1);
    }

    [Fact]
    public async Task InflatedUsage_IsFlaggedOnABilledRequest()
    {
        string key = await host.CreateStoredKeyAsync(Json.Timeout());
        var exchange = await SendAsync("/v1/chat/completions", """{"model":"m-inflate","messages":[{"role":"user","content":"count me"}]}""", key);
        var (_, receipt) = await FetchAsync(exchange.ReceiptId, key);
        Assert.Contains(receipt.GetProperty("flags").EnumerateArray(), f => f.GetString() == AuditFlags.UsageDiscrepancy);
        Assert.Equal(JsonValueKind.Object, receipt.GetProperty("usage").GetProperty("counted").ValueKind);
    }

    [Fact]
    public async Task Receipts_ReachTheLogAsTheHashOfTheSignedBytes()
    {
        var exchange = await SendAsync("/v1/chat/completions", """{"model":"m-openai","messages":[{"role":"user","content":"x"}]}""");
        var (raw, receipt) = await FetchAsync(exchange.ReceiptId);
        Assert.Equal("relay.test/log", receipt.GetProperty("log").GetProperty("origin").GetString());
        Assert.Equal((int)host.MaxMergeDelay.TotalSeconds, receipt.GetProperty("log").GetProperty("max_merge_delay_s").GetInt32());
        byte[] leaf = SHA256.HashData(raw);
        using var client = host.CreateClient(ReceiptHost.Alice);
        string? index = null;
        for (int i = 0; i < 50 && index is null; i++)
        {
            using var r = await client.GetAsync("/v1/receipts/" + exchange.ReceiptId, Json.Timeout());
            index = r.Headers.TryGetValues("x-candor-log-index", out var v) ? v.Single() : null;
            if (index is null)
            {
                await Task.Delay(100);
            }
        }

        Assert.NotNull(index);
        Assert.Equal(TreeHash.Leaf(leaf), await host.LeafHashAsync(long.Parse(index, System.Globalization.CultureInfo.InvariantCulture), Json.Timeout()));
    }

    [Fact]
    public async Task WellKnown_PublishesOperatorKeysAndChannels()
    {
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        using var response = await client.GetAsync("/.well-known/candor", Json.Timeout());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var doc = await Json.ReadAsync(response, Json.Timeout());
        Assert.Equal("Test Relay Ltd", doc.GetProperty("operator").GetProperty("name").GetString());
        Assert.Equal("TR-0001", doc.GetProperty("operator").GetProperty("registrations")[0].GetProperty("number").GetString());
        string vk = doc.GetProperty("receipt_keys")[0].GetProperty("verifier_key").GetString()!;
        Assert.StartsWith("relay.test/receipts+", vk);
        Assert.Equal("relay.test/log", doc.GetProperty("log").GetProperty("origin").GetString());
        var oa = doc.GetProperty("channels").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "oa");
        Assert.Equal("GPT-FILING-1", oa.GetProperty("registration").GetString());
        Assert.Equal("us", oa.GetProperty("region").GetString());
        Assert.DoesNotContain("upstream-secret", doc.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("base_url", doc.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyCommand_ChecksSignatureAndBody()
    {
        var exchange = await SendAsync("/v1/chat/completions", """{"model":"m-openai","messages":[{"role":"user","content":"x"}]}""");
        var (raw, _) = await FetchAsync(exchange.ReceiptId);
        string dir = Directory.CreateTempSubdirectory("candor-verify-").FullName;
        try
        {
            string receiptFile = Path.Combine(dir, "receipt.json"), bodyFile = Path.Combine(dir, "body.json"), wellKnown = Path.Combine(dir, "wk.json");
            await File.WriteAllBytesAsync(receiptFile, raw);
            await File.WriteAllBytesAsync(bodyFile, exchange.Body);
            using (var client = new HttpClient { BaseAddress = host.BaseAddress })
            {
                await File.WriteAllBytesAsync(wellKnown, await client.GetByteArrayAsync("/.well-known/candor"));
            }

            var output = new StringWriter();
            Assert.Equal(0, await CandorCli.RunAsync(["verify", "receipt", receiptFile, "--key", await VerifierKeyAsync(), "--body", bodyFile], output, output, default));
            Assert.Contains("signature: ok", output.ToString(), StringComparison.Ordinal);
            Assert.Contains("body: ok", output.ToString(), StringComparison.Ordinal);
            Assert.Equal(0, await CandorCli.RunAsync(["verify", "receipt", receiptFile, "--key", wellKnown], output, output, default));

            await File.WriteAllTextAsync(bodyFile, "{}");
            Assert.Equal(1, await CandorCli.RunAsync(["verify", "receipt", receiptFile, "--key", wellKnown, "--body", bodyFile], output, output, default));
            byte[] tampered = (byte[])raw.Clone();
            tampered[Array.IndexOf(tampered, (byte)'2')] = (byte)'3';
            await File.WriteAllBytesAsync(receiptFile, tampered);
            Assert.Equal(1, await CandorCli.RunAsync(["verify", "receipt", receiptFile, "--key", wellKnown], output, output, default));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
