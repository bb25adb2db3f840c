using System.Text.Json;
using Candor.Core.Accounts;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Billing;

/// <summary>Stored keys at the door: budgets and balances under concurrency, rate limits with their headers,
/// allowed models and client ranges, self-service reads and their isolation between accounts.</summary>
public sealed class AdmissionTests(BillingHost host) : IClassFixture<BillingHost>
{
    private const string Chat = """{"model":"m-openai","messages":[{"role":"user","content":"hi"}],"max_tokens":50}""";

    [Fact]
    public async Task Startup_PrintsTheNewOperatorKeyOnce_AndItResolves()
    {
        var ct = Json.Timeout(30);
        string console = host.Console.ToString();
        int at = console.IndexOf("sk-cd-", StringComparison.Ordinal);
        Assert.True(at >= 0);
        Assert.Equal(at, console.LastIndexOf("sk-cd-", StringComparison.Ordinal));
        string key = console[at..].Split('\n')[0].Trim();
        using var client = host.CreateClient(key);
        using var response = await client.GetAsync("/v1/balance", ct);
        Assert.Equal(200, (int)response.StatusCode);
    }

    [Fact]
    public async Task ParallelRequests_AgainstSmallBudget_NeverOverspend()
    {
        var ct = Json.Timeout(60);
        var account = await host.CreateAccountAsync(1_000_000, ct);

        // One request reserves (prompt + 50 output tokens) at gpt-4o-mini prices, about 35 micros.
        var probeKey = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        using (var probe = host.CreateClient(probeKey.PlaintextKey))
        {
            using var r = await probe.PostAsync("/v1/chat/completions", Json.Body(Chat), ct);
            Assert.Equal(200, (int)r.StatusCode);
        }

        const long Budget = 700;
        var key = await host.CreateKeyAsync(account.Id, new ApiKeyLimits { BudgetMicros = Budget }, ct);
        using var client = host.CreateClient(key.PlaintextKey);
        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(async _ =>
        {
            using var response = await client.PostAsync("/v1/chat/completions", Json.Body(Chat), ct);
            var body = await Json.ReadAsync(response, ct);
            return ((int)response.StatusCode, body);
        }));

        int ok = results.Count(r => r.Item1 == 200);
        var refused = results.Where(r => r.Item1 == 429).ToList();
        Assert.Equal(200, ok + refused.Count);
        Assert.InRange(ok, 1, 199);
        Assert.All(refused, r => Assert.Equal("insufficient_quota", r.body.GetProperty("error").GetProperty("code").GetString()));
        long spent = await host.Store.GetKeySpendAsync(key.Record.Id, ct);
        Assert.InRange(spent, 1, Budget);
        var usage = await host.Store.ListUsageAsync(account.Id, key.Record.Id, 1000, null, ct);
        Assert.Equal(ok, usage.Items.Count);
        Assert.Equal(spent, usage.Items.Sum(u => u.ChargeMicros));

        var summary = (await host.Store.GetSummaryAsync(account.Id, ct))!;
        Assert.Equal(summary.TopUpMicros - summary.UsageChargeMicros, summary.BalanceMicros);
        Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
    }

    [Fact]
    public async Task AccountBalance_IsAlsoALimit()
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(10, ct);
        var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        using var client = host.CreateClient(key.PlaintextKey);
        using var response = await client.PostAsync("/v1/messages", Json.Body("""{"model":"m-anthropic","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}"""), ct);
        Assert.Equal(429, (int)response.StatusCode);
        var body = await Json.ReadAsync(response, ct);
        Assert.Equal("error", body.GetProperty("type").GetString());
        Assert.Equal("rate_limit_error", body.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("quota", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RpmLimit_CountsDownThenRefusesWithRetryAfter()
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(1_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, new ApiKeyLimits { RpmLimit = 3 }, ct);
        using var client = host.CreateClient(key.PlaintextKey);
        var remaining = new List<int>();
        for (int i = 0; i < 3; i++)
        {
            using var ok = await client.PostAsync("/v1/chat/completions", Json.Body(Chat), ct);
            Assert.Equal(200, (int)ok.StatusCode);
            Assert.Equal("3", ok.Headers.GetValues("x-ratelimit-limit-requests").Single());
            remaining.Add(int.Parse(ok.Headers.GetValues("x-ratelimit-remaining-requests").Single(), System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal([2, 1, 0], remaining);
        using var refused = await client.PostAsync("/v1/chat/completions", Json.Body(Chat), ct);
        Assert.Equal(429, (int)refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("0", refused.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        var body = await Json.ReadAsync(refused, ct);
        Assert.Equal("rate_limit_exceeded", body.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task ModelOutsideAllowedList_IsRefusedWith403()
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(1_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, new ApiKeyLimits { AllowedModels = ["m-anthropic"] }, ct);
        using var client = host.CreateClient(key.PlaintextKey);
        using var response = await client.PostAsync("/v1/chat/completions", Json.Body(Chat), ct);
        Assert.Equal(403, (int)response.StatusCode);
        var body = await Json.ReadAsync(response, ct);
        Assert.Equal("permission_error", body.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("m-openai", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientOutsideAllowedCidrs_IsRefusedWith403()
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(1_000_000, ct);
        var far = await host.CreateKeyAsync(account.Id, new ApiKeyLimits { AllowedCidrs = ["10.0.0.0/8"] }, ct);
        var near = await host.CreateKeyAsync(account.Id, new ApiKeyLimits { AllowedCidrs = ["127.0.0.0/8"] }, ct);
        using (var client = host.CreateClient(far.PlaintextKey))
        {
            using var response = await client.PostAsync("/v1/chat/completions", Json.Body(Chat), ct);
            Assert.Equal(403, (int)response.StatusCode);
        }

        using (var client = host.CreateClient(near.PlaintextKey))
        {
            using var response = await client.PostAsync("/v1/chat/completions", Json.Body(Chat), ct);
            Assert.Equal(200, (int)response.StatusCode);
        }
    }

    [Fact]
    public async Task UnpricedModel_BilledKey_IsRefused_ConfigKeyIsNot()
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(1_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        const string Unpriced = """{"model":"m-unpriced","messages":[{"role":"user","content":"hi"}],"max_tokens":20}""";
        using (var client = host.CreateClient(key.PlaintextKey))
        {
            using var response = await client.PostAsync("/v1/chat/completions", Json.Body(Unpriced), ct);
            Assert.Equal(403, (int)response.StatusCode);
            Assert.Contains("no price", (await Json.ReadAsync(response, ct)).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        using (var client = host.CreateClient(BillingHost.ConfigKey))
        {
            using var response = await client.PostAsync("/v1/chat/completions", Json.Body(Unpriced), ct);
            Assert.Equal(200, (int)response.StatusCode);
            Assert.False(response.Headers.Contains("x-candor-charge-micros"));
        }
    }

    [Fact]
    public async Task UnknownOrRevokedKey_Gets401()
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(1_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        await host.Store.RevokeAsync(account.Id, key.Record.Id, ct);
        await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        foreach (string presented in (string[])[key.PlaintextKey, "sk-cd-unknownunknownunknownunknownunknown1234"])
        {
            using var client = host.CreateClient(presented);
            using var response = await client.PostAsync("/v1/chat/completions", Json.Body(Chat), ct);
            Assert.Equal(401, (int)response.StatusCode);
        }
    }

    [Fact]
    public async Task UsageAndBalance_ShowOnlyTheKeysOwnAccount()
    {
        var ct = Json.Timeout(30);
        var a = await host.CreateAccountAsync(5_000_000, ct);
        var b = await host.CreateAccountAsync(7_000_000, ct);
        var keyA = await host.CreateKeyAsync(a.Id, new ApiKeyLimits { BudgetMicros = 1_000_000 }, ct);
        var keyB = await host.CreateKeyAsync(b.Id, ApiKeyLimits.None, ct);
        using var clientA = host.CreateClient(keyA.PlaintextKey);
        using var clientB = host.CreateClient(keyB.PlaintextKey);
        var idsA = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            using var r = await clientA.PostAsync("/v1/chat/completions", Json.Body(Chat), ct);
            idsA.Add(SettlementTests.RequestId(r));
        }

        using (var r = await clientB.PostAsync("/v1/chat/completions", Json.Body(Chat), ct))
        {
            Assert.Equal(200, (int)r.StatusCode);
        }

        using var usageA = await clientA.GetAsync("/v1/usage?limit=2", ct);
        var pageA = await Json.ReadAsync(usageA, ct);
        Assert.Equal(200, (int)usageA.StatusCode);
        var first = pageA.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("request_id").GetString()).ToList();
        Assert.Equal([idsA[2], idsA[1]], first);
        string cursor = pageA.GetProperty("next_cursor").GetString()!;
        using var usageA2 = await clientA.GetAsync("/v1/usage?limit=2&cursor=" + Uri.EscapeDataString(cursor), ct);
        var pageA2 = await Json.ReadAsync(usageA2, ct);
        Assert.Equal([idsA[0]], pageA2.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("request_id").GetString()).ToList());
        Assert.True(pageA.GetProperty("has_more").GetBoolean());
        Assert.False(pageA2.GetProperty("has_more").GetBoolean());
        Assert.False(pageA2.TryGetProperty("next_cursor", out _));

        // One shape: a record read with the key equals the same record read through the admin API, field for field.
        var own = pageA2.GetProperty("data")[0];
        Assert.Equal(a.Id, own.GetProperty("account").GetString());
        Assert.Equal("m-openai", own.GetProperty("requested_model").GetString());
        Assert.True(own.GetProperty("reported_input_tokens").GetInt32() > 0);
        using (var admin = host.CreateClient(host.OperatorKey))
        using (var adminRecord = await admin.GetAsync($"/admin/v1/accounts/{a.Id}/usage/{idsA[0]}", ct))
        {
            Assert.Equal(200, (int)adminRecord.StatusCode);
            Assert.Equal((await Json.ReadAsync(adminRecord, ct)).GetRawText(), own.GetRawText());
        }

        using var usageB = await clientB.GetAsync("/v1/usage", ct);
        var pageB = await Json.ReadAsync(usageB, ct);
        Assert.Single(pageB.GetProperty("data").EnumerateArray());
        Assert.DoesNotContain(pageB.GetProperty("data").EnumerateArray(), e => idsA.Contains(e.GetProperty("request_id").GetString()!));

        using var balanceA = await clientA.GetAsync("/v1/balance", ct);
        var balA = await Json.ReadAsync(balanceA, ct);
        var summaryA = (await host.Store.GetSummaryAsync(a.Id, ct))!;
        Assert.Equal(a.Id, balA.GetProperty("account_id").GetString());
        Assert.Equal(summaryA.BalanceMicros, balA.GetProperty("balance_micros").GetInt64());
        Assert.Equal(5_000_000 - summaryA.UsageChargeMicros, summaryA.BalanceMicros);
        Assert.Equal(summaryA.UsageChargeMicros, balA.GetProperty("key").GetProperty("spent_micros").GetInt64());
        Assert.Equal(1_000_000, balA.GetProperty("key").GetProperty("budget_micros").GetInt64());

        using var balanceB = await clientB.GetAsync("/v1/balance", ct);
        var balB = await Json.ReadAsync(balanceB, ct);
        Assert.Equal(b.Id, balB.GetProperty("account_id").GetString());
        Assert.Equal(JsonValueKind.Null, balB.GetProperty("key").GetProperty("budget_micros").ValueKind);

        using var config = host.CreateClient(BillingHost.ConfigKey);
        using var none = await config.GetAsync("/v1/balance", ct);
        Assert.Equal(404, (int)none.StatusCode);
        using var noneUsage = await config.GetAsync("/v1/usage", ct);
        Assert.Equal(404, (int)noneUsage.StatusCode);
    }
}
