using Candor.Core.Accounts;
using Candor.Storage;

namespace Candor.UnitTests.Storage;

/// <summary>PostgreSQL's group writes (a group commit's batch sent in one or two round trips): the plain batch is written at
/// once and exactly; a batch holding a refusal, a duplicate or a failing item is decided exactly as item by item — each
/// refusal and failure its own, the rest committed, the money exact (CANDOR_TEST_POSTGRES; skipped without it outside CI).</summary>
public sealed class PostgresGroupWriteTests
{
    private static readonly TimeSpan Timeout = TempStore.Timeout;

    private static Task<bool> AdmitAsync(RelationalStore store, UsageRecord usage, long reserve) =>
        store.TryReserveAndRecordAdmissionAsync(usage with { Outcome = UsageOutcome.Interrupted, ChargeMicros = 0 }, null, reserve, CancellationToken.None);

    private static Task<bool> SettleAsync(RelationalStore store, UsageRecord usage) =>
        store.RecordUsageAsync(usage, usage.ChargeMicros == 0 ? null : LedgerEntry.ChargeFor(usage), CancellationToken.None);

    /// <summary>Holds the database's write lock while <paramref name="queue"/> queues writes, so they form one batch.</summary>
    private static async Task<T[]> AsOneBatchAsync<T>(TempStore t, Func<IEnumerable<Task<T>>> queue)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = t.Store.Database.WriteAsync(async (_, _) => { await release.Task; return 0; }, CancellationToken.None);
        var writes = queue().ToList();
        await Task.Delay(100);
        release.SetResult();
        await holder.WaitAsync(Timeout);
        return await Task.WhenAll(writes).WaitAsync(Timeout);
    }

    [SkippableFact]
    public async Task PlainBatches_WrittenAtOnce_ReservedChargedAndReleasedExactly()
    {
        using var t = await TempStore.CreatePostgresAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000_000);
        var key = await t.KeyAsync(account.Id, new ApiKeyLimits { BudgetMicros = 10_000 });
        var usages = Enumerable.Range(0, 50).Select(i => t.Usage(account.Id, key.Record.Id, $"req_{i:D2}", 10)).ToList();
        long groupsBefore = t.Store.GroupWrites;

        Assert.All(await AsOneBatchAsync(t, () => usages.Select(u => AdmitAsync(t.Store, u, 20))), Assert.True);
        Assert.Equal((1_000L, 1_000L), await t.Store.ReservedAsync(account.Id, key.Record.Id, CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal((50L, 1_000L), await t.Store.HeldByNodeAsync(CancellationToken.None).WaitAsync(Timeout));

        Assert.All(await AsOneBatchAsync(t, () => usages.Select(u => SettleAsync(t.Store, u))), Assert.True);
        Assert.InRange(t.Store.GroupWrites - groupsBefore, 2, 4); // each kind: the loop's first take, then the rest at once
        Assert.Equal((0L, 0L), await t.Store.ReservedAsync(account.Id, key.Record.Id, CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal((0L, 0L), await t.Store.HeldByNodeAsync(CancellationToken.None).WaitAsync(Timeout));
        var summary = (await t.Store.GetSummaryAsync(account.Id, CancellationToken.None).WaitAsync(Timeout))!;
        Assert.Equal(1_000_000 - 500, summary.BalanceMicros);
        Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
        Assert.Equal(50, summary.UsageCount);
        Assert.Equal(500, await t.Store.GetKeySpendAsync(key.Record.Id, CancellationToken.None).WaitAsync(Timeout));
    }

    [SkippableFact]
    public async Task RefusalsInABatch_DecidedAsItemByItem_RefusedHoldNothing()
    {
        using var t = await TempStore.CreatePostgresAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000);
        var open = await t.KeyAsync(account.Id);
        var small = await t.KeyAsync(account.Id, new ApiKeyLimits { BudgetMicros = 100 });
        var twins = new[] { t.Usage(account.Id, open.Record.Id, "req_1", 0), t.Usage(account.Id, open.Record.Id, "req_2", 0) };
        var overBudget = t.Usage(account.Id, small.Record.Id, "req_3", 0);
        var withinBudget = t.Usage(account.Id, small.Record.Id, "req_4", 0);
        long groupsBefore = t.Store.GroupWrites;

        // Whichever order the batch takes: one of the twins fits the balance, the other not; the small key refuses 150 (its
        // account's reservation undone) and takes 50.
        var results = await AsOneBatchAsync(t, () =>
            new[] { AdmitAsync(t.Store, twins[0], 600), AdmitAsync(t.Store, twins[1], 600), AdmitAsync(t.Store, overBudget, 150), AdmitAsync(t.Store, withinBudget, 50) });

        Assert.Equal(1, results.Take(2).Count(held => held));
        Assert.False(results[2]);
        Assert.True(results[3]);
        Assert.Equal(groupsBefore, t.Store.GroupWrites); // declined: written item by item
        Assert.Equal((650L, 600L), await t.Store.ReservedAsync(account.Id, open.Record.Id, CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal((650L, 50L), await t.Store.ReservedAsync(account.Id, small.Record.Id, CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal((2L, 650L), await t.Store.HeldByNodeAsync(CancellationToken.None).WaitAsync(Timeout));
    }

    [SkippableFact]
    public async Task FailingAndDuplicateSettlementsInABatch_FailAlone_ReservationsReleasedOnce()
    {
        using var t = await TempStore.CreatePostgresAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000);
        var key = await t.KeyAsync(account.Id);
        var first = t.Usage(account.Id, key.Record.Id, "req_1", 100);
        var last = t.Usage(account.Id, key.Record.Id, "req_3", 200);
        Assert.True(await AdmitAsync(t.Store, first, 300).WaitAsync(Timeout));
        Assert.True(await AdmitAsync(t.Store, last, 300).WaitAsync(Timeout));

        var orphan = t.Usage("acct_missing", key.Record.Id, "req_2", 100);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = t.Store.Database.WriteAsync(async (_, _) => { await release.Task; return 0; }, CancellationToken.None);
        var settleFirst = SettleAsync(t.Store, first);
        var settleOrphan = SettleAsync(t.Store, orphan);
        var settleTwice = SettleAsync(t.Store, first);
        var settleLast = SettleAsync(t.Store, last);
        await Task.Delay(100);
        release.SetResult();
        await holder.WaitAsync(Timeout);

        // One of the two settlements of req_1 records it, the other finds it recorded; neither charges twice.
        var firstResults = await Task.WhenAll(settleFirst, settleTwice).WaitAsync(Timeout);
        Assert.Equal(1, firstResults.Count(recorded => recorded));
        await Assert.ThrowsAnyAsync<Exception>(() => settleOrphan.WaitAsync(Timeout));
        Assert.True(await settleLast.WaitAsync(Timeout));
        Assert.Equal((0L, 0L), await t.Store.ReservedAsync(account.Id, key.Record.Id, CancellationToken.None).WaitAsync(Timeout));
        var summary = (await t.Store.GetSummaryAsync(account.Id, CancellationToken.None).WaitAsync(Timeout))!;
        Assert.Equal(700, summary.BalanceMicros);
        Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
        Assert.Equal(2, summary.UsageCount);
        Assert.Equal(300, await t.Store.GetKeySpendAsync(key.Record.Id, CancellationToken.None).WaitAsync(Timeout));
    }
}
