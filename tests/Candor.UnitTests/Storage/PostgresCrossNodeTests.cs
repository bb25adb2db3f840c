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

        // Node 1 walks the accounts forwards, node 2 backwards: without one lock order their batches would deadlock (40P01).
        // A batch holds its accounts' row locks until it commits, so on a loaded machine the other node may wait longer
        // than lock_timeout: that settlement fails closed (55P03, nothing of it stored). Either outcome is allowed; a
        // deadlock or a lost update is not.
        var writes = Enumerable.Range(0, 400).Select(i => Task.Run(async () =>
        {
            bool first = i % 2 == 0;
            var (account, key) = accounts[first ? i / 2 % 4 : 3 - (i / 2 % 4)];
            var usage = t.Usage(account.Id, key.Record.Id, $"req_{i:D3}", 1_000 + i);
            try
            {
                return (Usage: usage, Settled: await (first ? t.Store : second).RecordUsageAsync(usage, LedgerEntry.ChargeFor(usage), CancellationToken.None));
            }
            catch (Npgsql.PostgresException e) when (e.SqlState == "55P03")
            {
                return (Usage: usage, Settled: false);
            }
        })).ToList();

        var results = await Task.WhenAll(writes).WaitAsync(Timeout);
        Assert.True(results.Count(r => r.Settled) >= 200, $"only {results.Count(r => r.Settled)} of 400 settled");
        foreach (var (account, key) in accounts)
        {
            var settled = results.Where(r => r.Settled && r.Usage.AccountId == account.Id).ToList();
            long charged = settled.Sum(r => r.Usage.ChargeMicros);
            var summary = await second.GetSummaryAsync(account.Id, CancellationToken.None).WaitAsync(Timeout);
            Assert.NotNull(summary);
            Assert.Equal(settled.Count, summary.UsageCount);
            Assert.Equal(charged, summary.ChargedMicros);
            Assert.Equal(10_000_000 - charged, summary.BalanceMicros);
            Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
            Assert.Equal(charged, summary.UsageChargeMicros);
            Assert.Equal(charged, await t.Store.GetKeySpendAsync(key.Record.Id, CancellationToken.None).WaitAsync(Timeout));
        }
    }
}
