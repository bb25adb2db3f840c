using System.Text.Json;
using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.FunctionalTests.Infrastructure;
using Candor.Protocols.Canonical;

namespace Candor.FunctionalTests.Billing;

/// <summary>Every surface, streamed and not: one usage record per request, committed before the client has the
/// whole answer, whose figures are the upstream's and whose charge is CostCalculator's; and the early-end rules.</summary>
public sealed class SettlementTests(BillingHost host) : IClassFixture<BillingHost>
{
    public static TheoryData<string, bool> Surfaces => new()
    {
        { "openai", false }, { "openai", true }, { "anthropic", false }, { "anthropic", true }, { "gemini", false }, { "gemini", true },
    };

    [Theory]
    [MemberData(nameof(Surfaces))]
    public async Task Request_RecordsUpstreamUsageAndExactCharge(string surface, bool stream)
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(10_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        using var client = host.CreateClient(key.PlaintextKey);

        var (requestId, input, output, charged) = await SendAsync(client, surface, stream, ct);

        // Read at once: the record was committed before the answer's last bytes reached the client.
        var record = await host.Store.GetUsageAsync(account.Id, requestId, ct);
        Assert.NotNull(record);
        Assert.Equal(UsageOutcome.Complete, record.Outcome);
        Assert.Equal(BilledSource.Upstream, record.BilledSource);
        Assert.Equal(input, record.ReportedInputTokens);
        Assert.Equal(output, record.ReportedOutputTokens);
        Assert.True(record.CountedOutputTokens > 0);
        long expected = CostCalculator.Compute(Reported(record), host.Prices.Find(record.RequestedModel, record.ChannelId) ?? host.Prices.Find(record.UpstreamModel)!, PriceMultiplier.One).TotalMicros;
        Assert.True(expected > 0);
        Assert.Equal(expected, record.ChargeMicros);
        if (charged is { } header)
        {
            Assert.Equal(expected, header);
        }

        var page = await host.Store.ListUsageAsync(account.Id, null, 10, null, ct);
        Assert.Single(page.Items);
        var summary = await host.Store.GetSummaryAsync(account.Id, ct);
        Assert.Equal(10_000_000 - expected, summary!.BalanceMicros);
        Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
    }

    [Fact]
    public async Task Embeddings_OfAStoredKey_AreAdmittedRecordedAndCharged()
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(10_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        using var client = host.CreateClient(key.PlaintextKey);
        using var response = await client.PostAsync("/v1/embeddings", Json.Body("""{"model":"m-embed","input":["first text to embed","second"]}"""), ct);
        Assert.Equal(200, (int)response.StatusCode);
        var body = await Json.ReadAsync(response, ct);
        int promptTokens = body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32();
        Assert.True(promptTokens > 0);

        var record = await host.Store.GetUsageAsync(account.Id, RequestId(response), ct);
        Assert.NotNull(record);
        Assert.Equal(UsageOutcome.Complete, record.Outcome);
        Assert.Equal(promptTokens, record.ReportedInputTokens);
        long expected = CostCalculator.Compute(new Usage { InputTokens = promptTokens, OutputTokens = 0 }, host.Prices.Find("text-embedding-3-small")!, PriceMultiplier.One).TotalMicros;
        Assert.Equal(expected, record.ChargeMicros);
        Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("x-candor-charge-micros").Single());

        // A key that may not use the model is refused before anything leaves.
        var limited = await host.CreateKeyAsync(account.Id, new ApiKeyLimits { AllowedModels = ["m-openai"] }, ct);
        using var other = host.CreateClient(limited.PlaintextKey);
        using var refused = await other.PostAsync("/v1/embeddings", Json.Body("""{"model":"m-embed","input":"x"}"""), ct);
        Assert.Equal(403, (int)refused.StatusCode);
    }

    [Fact]
    public async Task OpenAIStream_WithoutIncludeUsage_IsMeteredButShowsNoUsage()
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(10_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        using var client = host.CreateClient(key.PlaintextKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body("""{"model":"m-openai","messages":[{"role":"user","content":"hello"}],"stream":true,"max_tokens":40}"""),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var events = await Sse.ReadAllAsync(response, ct);
        Assert.Equal("[DONE]", events[^1].Data);
        Assert.All(events[..^1], e => Assert.False(JsonDocument.Parse(e.Data).RootElement.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object));
        var record = await host.Store.GetUsageAsync(account.Id, RequestId(response), ct);
        Assert.Equal(BilledSource.Upstream, record!.BilledSource);
        Assert.True(record.ReportedOutputTokens > 0);
    }

    [Fact]
    public async Task CachedTokens_ArePricedAtTheCachedRate()
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(10_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        using var client = host.CreateClient(key.PlaintextKey);
        using var response = await client.PostAsync("/v1/chat/completions", Json.Body("""
            {"model":"m-cached","messages":[{"role":"user","content":"Tell me a long story about caching please, in detail"}],"max_tokens":30}
            """), ct);
        Assert.Equal(200, (int)response.StatusCode);
        var record = await host.Store.GetUsageAsync(account.Id, RequestId(response), ct);
        Assert.Equal(8, record!.ReportedCachedInputTokens);
        var price = host.Prices.Find("gpt-4o")!;
        var breakdown = CostCalculator.Compute(Reported(record), price, PriceMultiplier.One);
        Assert.Contains(breakdown.Lines, l => l.Kind == ChargeKind.CachedInput && l.Quantity == 8);
        Assert.Equal(breakdown.TotalMicros, record.ChargeMicros);
    }

    [Fact]
    public async Task ReasoningTokens_AreReportedAndPriced()
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(10_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        using var client = host.CreateClient(key.PlaintextKey);
        using var response = await client.PostAsync("/v1/chat/completions", Json.Body("""
            {"model":"m-deepseek","messages":[{"role":"user","content":"Think about it"}],"max_tokens":100}
            """), ct);
        Assert.Equal(200, (int)response.StatusCode);
        var record = await host.Store.GetUsageAsync(account.Id, RequestId(response), ct);
        Assert.True(record!.ReportedReasoningTokens > 0);
        var breakdown = CostCalculator.Compute(Reported(record), host.Prices.Find("deepseek-reasoner")!, PriceMultiplier.One);
        Assert.Contains(breakdown.Lines, l => l.Kind == ChargeKind.Reasoning && l.Quantity == record.ReportedReasoningTokens);
        Assert.Equal(breakdown.TotalMicros, record.ChargeMicros);
    }

    [Fact]
    public async Task UpstreamFailureBeforeFirstByte_CostsNothing()
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(1_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        using var client = host.CreateClient(key.PlaintextKey);
        using var response = await client.PostAsync("/v1/chat/completions", Json.Body("""
            {"model":"m-500","messages":[{"role":"user","content":"hi"}],"stream":true}
            """), ct);
        Assert.Equal(500, (int)response.StatusCode / 100 * 100);
        var record = await host.Store.GetUsageAsync(account.Id, RequestId(response), ct);
        Assert.Equal(UsageOutcome.Failed, record!.Outcome);
        Assert.Equal(0, record.ChargeMicros);
        Assert.Equal(BilledSource.None, record.BilledSource);
        Assert.Equal(1_000_000, (await host.Store.GetSummaryAsync(account.Id, ct))!.BalanceMicros);
    }

    [Fact]
    public async Task UpstreamCutMidStream_UsageAbsent_BilledByCandorsCount()
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(1_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        using var client = host.CreateClient(key.PlaintextKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body("""{"model":"m-cut","messages":[{"role":"user","content":"Tell me a story"}],"stream":true,"max_tokens":100}"""),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(200, (int)response.StatusCode);
        var events = await Sse.ReadAllAsync(response, ct);
        Assert.DoesNotContain(events, e => e.Data == "[DONE]");
        var record = await host.Store.GetUsageAsync(account.Id, RequestId(response), ct);
        Assert.Equal(UsageOutcome.Partial, record!.Outcome);
        Assert.Null(record.ReportedOutputTokens);
        Assert.Equal(BilledSource.Candor, record.BilledSource);
        Assert.True(record.CountedOutputTokens > 0);
        var billed = new Usage { InputTokens = record.CountedInputTokens, OutputTokens = record.CountedOutputTokens };
        Assert.Equal(CostCalculator.Compute(billed, host.Prices.Find("gpt-4o")!, PriceMultiplier.One).TotalMicros, record.ChargeMicros);
    }

    [Fact]
    public async Task ClientDisconnectMidStream_BilledForPromptAndDeliveredOutput()
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(1_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        string requestId;
        using (var client = host.CreateClient(key.PlaintextKey))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = Json.Body("""{"model":"m-slow","messages":[{"role":"user","content":"Tell me a story"}],"stream":true,"max_tokens":500}"""),
            };
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            requestId = RequestId(response);
            int seen = 0;
            await foreach (var _ in Sse.ReadAsync(response, ct))
            {
                if (++seen == 3)
                {
                    break;
                }
            }
        }

        UsageRecord? record = null;
        for (int i = 0; i < 100 && record is null; i++)
        {
            await Task.Delay(50, ct);
            record = await host.Store.GetUsageAsync(account.Id, requestId, ct);
        }

        Assert.NotNull(record);
        Assert.Equal(UsageOutcome.Cancelled, record.Outcome);
        Assert.True(record.CountedOutputTokens > 0);
        Assert.True(record.ChargeMicros > 0);
        int output = Math.Max(record.ReportedOutputTokens ?? 0, record.CountedOutputTokens ?? 0);
        var billed = new Usage { InputTokens = record.ReportedInputTokens ?? record.CountedInputTokens, OutputTokens = output };
        Assert.Equal(CostCalculator.Compute(billed, host.Prices.Find("gpt-4o")!, PriceMultiplier.One).TotalMicros, record.ChargeMicros);
    }

    internal static Usage Reported(UsageRecord r) => new()
    {
        InputTokens = r.ReportedInputTokens,
        OutputTokens = r.ReportedOutputTokens,
        CachedInputTokens = r.ReportedCachedInputTokens,
        CacheWriteInputTokens = r.ReportedCacheWriteTokens,
        ReasoningTokens = r.ReportedReasoningTokens,
    };

    internal static string RequestId(HttpResponseMessage response) => response.Headers.GetValues("x-request-id").Single();

    /// <summary>Sends one chat request on a surface; returns the request id, the usage the client saw (input and
    /// output, in canonical terms) and the charge header when there is one.</summary>
    private static async Task<(string RequestId, int Input, int Output, long? Charged)> SendAsync(HttpClient client, string surface, bool stream, CancellationToken ct)
    {
        const string Prompt = "Say hello to the billing tests";
        string messages = "[{\"role\":\"user\",\"content\":\"" + Prompt + "\"}]";
        var (path, body) = surface switch
        {
            "openai" => ("/v1/chat/completions", "{\"model\":\"m-openai\",\"max_tokens\":50,\"messages\":" + messages
                + (stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "") + "}"),
            "anthropic" => ("/v1/messages", "{\"model\":\"m-anthropic\",\"max_tokens\":50,\"messages\":" + messages
                + (stream ? ",\"stream\":true" : "") + "}"),
            _ => (stream ? "/v1beta/models/m-gemini:streamGenerateContent?alt=sse" : "/v1beta/models/m-gemini:generateContent",
                "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"" + Prompt + "\"}]}],\"generationConfig\":{\"maxOutputTokens\":50}}"),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json.Body(body) };
        if (surface == "anthropic")
        {
            request.Headers.Add("anthropic-version", "2023-06-01");
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(200, (int)response.StatusCode);
        string id = RequestId(response);
        long? charged = response.Headers.TryGetValues("x-candor-charge-micros", out var values) ? long.Parse(values.Single(), System.Globalization.CultureInfo.InvariantCulture) : null;
        Assert.Equal(!stream, charged.HasValue);
        if (!stream)
        {
            var json = await Json.ReadAsync(response, ct);
            return surface switch
            {
                "openai" => (id, json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), json.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), charged),
                "anthropic" => (id, json.GetProperty("usage").GetProperty("input_tokens").GetInt32(), json.GetProperty("usage").GetProperty("output_tokens").GetInt32(), charged),
                _ => (id, json.GetProperty("usageMetadata").GetProperty("promptTokenCount").GetInt32(), GeminiOutput(json.GetProperty("usageMetadata")), charged),
            };
        }

        var events = await Sse.ReadAllAsync(response, ct);
        int input = 0, output = 0;
        foreach (var e in events)
        {
            if (e.Data == "[DONE]")
            {
                continue;
            }

            var json = JsonDocument.Parse(e.Data).RootElement;
            switch (surface)
            {
                case "openai" when json.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object:
                    (input, output) = (u.GetProperty("prompt_tokens").GetInt32(), u.GetProperty("completion_tokens").GetInt32());
                    break;
                case "anthropic" when e.Type == "message_start":
                    input = json.GetProperty("message").GetProperty("usage").GetProperty("input_tokens").GetInt32();
                    break;
                case "anthropic" when e.Type == "message_delta":
                    output = json.GetProperty("usage").GetProperty("output_tokens").GetInt32();
                    break;
                case "gemini" when json.TryGetProperty("usageMetadata", out var g):
                    (input, output) = (g.GetProperty("promptTokenCount").GetInt32(), GeminiOutput(g));
                    break;
            }
        }

        Assert.True(input > 0 && output > 0);
        return (id, input, output, null);
    }

    private static int GeminiOutput(JsonElement usage) =>
        (usage.TryGetProperty("candidatesTokenCount", out var c) ? c.GetInt32() : 0) + (usage.TryGetProperty("thoughtsTokenCount", out var t) ? t.GetInt32() : 0);
}
