using Candor.Core.Accounts;

namespace Candor.UnitTests.Storage;

/// <summary>Two stores on one PostgreSQL, as two nodes (docs/scale-out.md, "Money across nodes"): settlements of the
/// same accounts and keys from both at once lose no update and never deadlock (each group commit writes in (account,
/// key) order), and every account's balance equals its top-ups minus its charges.</summary>
public sealed class PostgresCrossNodeTests
{
    private static readonly TimeSpan Timeout = TempStore.Timeout;

    [SkippableFact]
    public async Task TwoNodesSettlingTheSameAccountsAtOnce_LoseNoUpdate_AndNeverDeadlock()
    {
        using var t = await TempStore.CreatePostgresAsync();
        using var second = await t.OpenSecondAsync();
        var accounts = new List<(Account Account, CreatedApiKey Key)>();
        for (int a = 0; a < 4; a++)
        {
            var account = await t.AccountAsync($"a{a}", topUpMicros: 10_000_000);
            accounts.Add((account, await t.KeyAsync(account.Id)));
        }

        // Node 1 walks the accounts forwards, node 2 backwards: without one lock order their batches would cross.
        var writes = Enumerable.Range(0, 400).Select(i => Task.Run(async () =>
        {
            bool first = i % 2 == 0;
            var (account, key) = accounts[first ? i / 2 % 4 : 3 - (i / 2 % 4)];
            var usage = t.Usage(account.Id, key.Record.Id, $"req_{i:D3}", 1_000 + i);
            return await (first ? t.Store : second).RecordUsageAsync(usage, LedgerEntry.ChargeFor(usage), CancellationToken.None);
        })).ToList();

        Assert.All(await Task.WhenAll(writes).WaitAsync(Timeout), Assert.True);
        long total = 0;
        foreach (var (account, key) in accounts)
        {
            var summary = await second.GetSummaryAsync(account.Id, CancellationToken.None).WaitAsync(Timeout);
            Assert.NotNull(summary);
            Assert.Equal(100, summary.UsageCount);
            Assert.Equal(10_000_000 - summary.ChargedMicros, summary.BalanceMicros);
            Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
            Assert.Equal(summary.ChargedMicros, summary.UsageChargeMicros);
            Assert.Equal(summary.ChargedMicros, await t.Store.GetKeySpendAsync(key.Record.Id, CancellationToken.None).WaitAsync(Timeout));
            total += summary.ChargedMicros;
        }

        Assert.Equal(Enumerable.Range(0, 400).Sum(i => 1_000L + i), total);
    }
}
