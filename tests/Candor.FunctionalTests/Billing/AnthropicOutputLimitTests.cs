using System.Text.Json.Nodes;
using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Core.Receipts;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Billing;

/// <summary>An OpenAI client without a limit, reasoning on an Anthropic upstream: Candor sends max_tokens = budget + 4096, far
/// above <c>server.default_max_output_tokens</c> (200 here). The reservation covers what was sent, so an answer longer
/// than the default is charged in full (the charge is capped at the reservation: before, the operator paid the gap); and a
/// client limit with no room for the budget is refused before anything is sent.</summary>
public sealed class AnthropicOutputLimitTests(BillingHost host) : IClassFixture<BillingHost>
{
    /// <summary>A new account with $10 and a client of a new key of it.</summary>
    private async Task<(Account Account, HttpClient Client)> ClientAsync(CancellationToken ct)
    {
        var account = await host.CreateAccountAsync(10_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        return (account, host.CreateClient(key.PlaintextKey));
    }

    [Fact]
    public async Task ReasoningWithoutALimit_LongerThanTheServerDefault_IsChargedInFull_AndTheReceiptNamesTheLimitSent()
    {
        var ct = Json.Timeout(60);
        var (account, client) = await ClientAsync(ct);
        using var _ = client;
        using var response = await client.PostAsync("/v1/chat/completions", Json.Body("""
            {"model":"m-anthropic","reasoning_effort":"high","messages":[{"role":"user","content":"[[emulator:tokens=600]] reserve-what-is-sent"}]}
            """), ct);
        Assert.Equal(200, (int)response.StatusCode);

        var forwarded = JsonNode.Parse(host.Emulator.Journal.All.Last(e => e.BodyText.Contains("reserve-what-is-sent", StringComparison.Ordinal)).BodyText)!;
        Assert.Equal(8192, forwarded["max_tokens"]!.GetValue<int>());

        var record = await host.Store.GetUsageAsync(account.Id, SettlementTests.RequestId(response), ct);
        Assert.NotNull(record);
        Assert.True(record.ReportedOutputTokens > 200, $"the answer must outgrow the server default: {record.ReportedOutputTokens} output tokens");
        long expected = CostCalculator.Compute(SettlementTests.Reported(record), host.Prices.Find(record.UpstreamModel)!, PriceMultiplier.One).TotalMicros;
        Assert.Equal(expected, record.ChargeMicros);
        var summary = await host.Store.GetSummaryAsync(account.Id, ct);
        Assert.Equal(10_000_000 - expected, summary!.BalanceMicros);

        using var fetched = await client.GetAsync("/v1/receipts/" + response.Headers.GetValues(ReceiptService.Header).Single(), ct);
        var receipt = (await Json.ReadAsync(fetched, ct)).GetProperty("receipt");
        Assert.Contains(receipt.GetProperty("transformations").EnumerateArray(), t =>
            t.GetProperty("kind").GetString() == Transformation.Injected && t.GetProperty("target").GetString() == "max_output_tokens"
            && t.GetProperty("detail").GetString() == "8192");
    }

    [Fact]
    public async Task ALimitWithNoRoomForTheBudget_Is400InTheClientsEnvelope_SendsNothing_AndCostsNothing()
    {
        var ct = Json.Timeout(60);
        var (account, client) = await ClientAsync(ct);
        using var _ = client;
        using var response = await client.PostAsync("/v1/chat/completions", Json.Body("""
            {"model":"m-anthropic","reasoning_effort":"low","max_tokens":1000,"messages":[{"role":"user","content":"no-room-for-thinking"}]}
            """), ct);
        Assert.Equal(400, (int)response.StatusCode);
        var error = (await Json.ReadAsync(response, ct)).GetProperty("error");
        Assert.Equal("max_tokens", error.GetProperty("param").GetString());
        Assert.Contains("thinking budget", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(host.Emulator.Journal.All, e => e.BodyText.Contains("no-room-for-thinking", StringComparison.Ordinal));

        var summary = await host.Store.GetSummaryAsync(account.Id, ct);
        Assert.Equal(10_000_000, summary!.BalanceMicros);
    }
}
