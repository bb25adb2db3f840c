using Candor.Core.Accounts;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage;

namespace Candor.FunctionalTests.ScaleOut;

/// <summary>Money exact across nodes (issue 16 item 2; docs/scale-out.md, "Money across nodes"): three servers on one
/// PostgreSQL take 300 concurrent requests of one key against a small balance, or a small key budget. Each node's
/// reservation is made atomically in the database against every node's, so the balance never goes below zero, the key
/// never spends past its budget, the ledger sums to the balance, and nothing stays reserved once the requests end.</summary>
public sealed class SharedMoneyTests
{
    private const string Chat = """{"model":"m-openai","messages":[{"role":"user","content":"hi"}],"max_tokens":50}""";

    [PostgresFact]
    public async Task ThreeNodes_300ConcurrentRequests_SmallBalance_OverspendExactlyZero_LedgerExact()
    {
        var ct = Json.Timeout(240);
        await using var cluster = await SharedStoreNodes.StartAsync(3, ct);
        Assert.True(cluster.Store.ReservesInStore);
        var account = await cluster.Store.CreateAccountAsync("shared", Account.DefaultGroup, ct);
        const long Balance = 1_000; // about 28 reservations of this request at once, about 3× that in charges overall
        await cluster.Store.TopUpAsync(account.Id, Balance, "test", ct);
        var key = await cluster.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);

        var (ok, refused) = await SendSpreadAsync(cluster, key.PlaintextKey, 300, ct);
        Assert.True(ok > 0 && refused > 0, $"{ok} admitted, {refused} refused: the balance was meant to run out");

        var summary = (await cluster.Store.GetSummaryAsync(account.Id, ct))!;
        Assert.True(summary.BalanceMicros >= 0, $"overspent: the balance is {summary.BalanceMicros}");
        Assert.Equal(Balance - summary.UsageChargeMicros, summary.BalanceMicros);
        Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
        Assert.Equal(summary.ChargedMicros, summary.UsageChargeMicros);
        Assert.Equal(ok, summary.UsageCount);
        await AssertNothingHeldAsync(cluster, account.Id, key.Record.Id, ct);
    }

    [PostgresFact]
    public async Task ThreeNodes_300ConcurrentRequests_SmallKeyBudget_NeverSpentPast_SpendEqualsUsage()
    {
        var ct = Json.Timeout(240);
        await using var cluster = await SharedStoreNodes.StartAsync(3, ct);
        var account = await cluster.Store.CreateAccountAsync("shared", Account.DefaultGroup, ct);
        await cluster.Store.TopUpAsync(account.Id, 100_000_000, "test", ct);
        const long Budget = 700;
        var key = await cluster.CreateKeyAsync(account.Id, new ApiKeyLimits { BudgetMicros = Budget }, ct);

        var (ok, refused) = await SendSpreadAsync(cluster, key.PlaintextKey, 300, ct);
        Assert.True(ok > 0 && refused > 0, $"{ok} admitted, {refused} refused: the budget was meant to run out");

        long spent = await cluster.Store.GetKeySpendAsync(key.Record.Id, ct);
        Assert.InRange(spent, 1, Budget);
        var usage = await cluster.Store.ListUsageAsync(account.Id, key.Record.Id, 1000, null, ct);
        Assert.Equal(ok, usage.Items.Count);
        Assert.Equal(spent, usage.Items.Sum(u => u.ChargeMicros));
        var summary = (await cluster.Store.GetSummaryAsync(account.Id, ct))!;
        Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
        Assert.Equal(100_000_000 - spent, summary.BalanceMicros);
        await AssertNothingHeldAsync(cluster, account.Id, key.Record.Id, ct);
    }

    /// <summary>Sends <paramref name="count"/> requests at once, request i to node i mod N; every answer is a 200 or the
    /// insufficient-quota 429.</summary>
    private static async Task<(int Ok, int Refused)> SendSpreadAsync(SharedStoreNodes cluster, string key, int count, CancellationToken ct)
    {
        var clients = cluster.Nodes.Select(n => n.CreateClient(key, TimeSpan.FromSeconds(120))).ToList();
        try
        {
            var results = await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
            {
                using var response = await clients[i % clients.Count].PostAsync("/v1/chat/completions", Json.Body(Chat), ct);
                return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
            }));
            var unexpected = results.Where(r => r.Item1 != 200 && !(r.Item1 == 429 && r.Item2.Contains("insufficient_quota", StringComparison.Ordinal))).ToList();
            Assert.True(unexpected.Count == 0, $"{unexpected.Count} unexpected answers, e.g. {unexpected.FirstOrDefault()}");
            return (results.Count(r => r.Item1 == 200), results.Count(r => r.Item1 == 429));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    /// <summary>Every settlement released its reservation: nothing held on the account, the key or by any node.</summary>
    private static async Task AssertNothingHeldAsync(SharedStoreNodes cluster, string accountId, string keyId, CancellationToken ct)
    {
        Assert.Equal((0L, 0L), await cluster.Store.ReservedAsync(accountId, keyId, ct));
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal((0L, 0L), await node.Service<RelationalStore>().HeldByNodeAsync(ct));
        }
    }
}
