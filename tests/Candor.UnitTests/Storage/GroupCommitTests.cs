using Candor.Core.Accounts;
using Candor.Storage.Sqlite;

namespace Candor.UnitTests.Storage;

/// <summary>Settlements that arrive together commit together: one transaction (one fsync) for many records, each
/// caller released only after its record is committed, and one bad record failing alone.</summary>
public sealed class GroupCommitTests
{
    private static readonly TimeSpan Timeout = TempStore.Timeout;

    [Fact]
    public async Task ConcurrentSettlements_CommitInFewerTransactionsThanRecords()
    {
        using var t = await TempStore.CreateAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000_000);
        var key = await t.KeyAsync(account.Id);
        long transactionsBefore = t.Store.SettlementTransactions;

        // Hold the database's write lock, as a long write would, while 50 settlements arrive.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = t.Store.Database.WriteAsync(async (_, _) => { await release.Task; return 0; }, CancellationToken.None);
        var settlements = Enumerable.Range(0, 50)
            .Select(i => t.Store.RecordUsageAsync(t.Usage(account.Id, key.Record.Id, $"req_{i:D2}", 10), Charge(t, account.Id, key.Record.Id, $"req_{i:D2}", 10), CancellationToken.None))
            .ToList();

        await Task.Delay(100);
        Assert.All(settlements, s => Assert.False(s.IsCompleted)); // nobody is released before its commit
        release.SetResult();
        await holder.WaitAsync(Timeout);
        var results = await Task.WhenAll(settlements).WaitAsync(Timeout);

        Assert.All(results, Assert.True);
        long transactions = t.Store.SettlementTransactions - transactionsBefore;
        Assert.InRange(transactions, 1, 2); // the loop's first take, then everything queued behind it
        var summary = await t.Store.GetSummaryAsync(account.Id, CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(1_000_000 - 500, summary!.BalanceMicros);
        Assert.Equal(50, summary.UsageCount);
        Assert.Equal(500, await t.Store.GetKeySpendAsync(key.Record.Id, CancellationToken.None).WaitAsync(Timeout));
    }

    [Fact]
    public async Task BadSettlementInABatch_FailsAlone()
    {
        using var t = await TempStore.CreateAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000);
        var key = await t.KeyAsync(account.Id);

        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = t.Store.Database.WriteAsync(async (_, _) => { await release.Task; return 0; }, CancellationToken.None);
        var first = t.Store.RecordUsageAsync(t.Usage(account.Id, key.Record.Id, "req_1", 100), Charge(t, account.Id, key.Record.Id, "req_1", 100), CancellationToken.None);
        var orphan = t.Store.RecordUsageAsync(t.Usage("acct_missing", key.Record.Id, "req_2", 100), Charge(t, "acct_missing", key.Record.Id, "req_2", 100), CancellationToken.None);
        var duplicate = t.Store.RecordUsageAsync(t.Usage(account.Id, key.Record.Id, "req_1", 100), Charge(t, account.Id, key.Record.Id, "req_1", 100), CancellationToken.None);
        var last = t.Store.RecordUsageAsync(t.Usage(account.Id, key.Record.Id, "req_3", 200), Charge(t, account.Id, key.Record.Id, "req_3", 200), CancellationToken.None);
        release.SetResult();
        await holder.WaitAsync(Timeout);

        Assert.True(await first.WaitAsync(Timeout));
        await Assert.ThrowsAnyAsync<Exception>(() => orphan.WaitAsync(Timeout));
        Assert.False(await duplicate.WaitAsync(Timeout));
        Assert.True(await last.WaitAsync(Timeout));
        var summary = await t.Store.GetSummaryAsync(account.Id, CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(700, summary!.BalanceMicros);
        Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
        Assert.Equal(2, summary.UsageCount);
    }

    [Fact]
    public async Task BatchWithoutFailure_IsWrittenWhole_AndOneFailingItem_RedoesTheBatchItemByItem()
    {
        using var t = await TempStore.CreateAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000_000);
        var key = await t.KeyAsync(account.Id);
        await JointSettlementTests.FailReceiptInsertsAsync(t.Store.DatabasePath, "rcpt_bad");

        // A clean batch: written whole under one savepoint, no pass item by item.
        long isolatedBefore = t.Store.IsolatedBatches;
        await BatchAsync(t, account.Id, key.Record.Id, ["req_a", "req_b", "req_c"], receiptOf: null);
        Assert.Equal(isolatedBefore, t.Store.IsolatedBatches);

        // A batch whose middle item fails after its admission record was deleted and its usage record written (the receipt
        // insert fails): the batch is rolled back and redone item by item; only the failing item is undone, and its
        // admission record stays for crash recovery.
        var bad = t.Usage(account.Id, key.Record.Id, "req_bad", 10);
        await t.Store.RecordAdmissionAsync(bad with { Outcome = UsageOutcome.Interrupted, ChargeMicros = 0 }, CancellationToken.None).WaitAsync(Timeout);
        var results = await BatchAsync(t, account.Id, key.Record.Id, ["req_1", "req_bad", "req_2"], receiptOf: id => "rcpt_" + id[4..]);
        Assert.Equal(isolatedBefore + 1, t.Store.IsolatedBatches);
        Assert.True(await results[0].WaitAsync(Timeout));
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => results[1].WaitAsync(Timeout));
        Assert.True(await results[2].WaitAsync(Timeout));
        Assert.Null(await t.Store.GetUsageAsync(account.Id, "req_bad", CancellationToken.None).WaitAsync(Timeout));
        Assert.NotNull(await t.Store.GetUsageAsync(account.Id, "req_2", CancellationToken.None).WaitAsync(Timeout));
        Assert.NotNull(await t.Store.GetAsync("rcpt_2", CancellationToken.None).WaitAsync(Timeout));
        var summary = await t.Store.GetSummaryAsync(account.Id, CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(1_000_000 - 70, summary!.BalanceMicros); // two leads, five settled
        Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
        Assert.Equal(7, summary.UsageCount);
        Assert.Equal(1, await t.Store.RecoverInterruptedAsync(CancellationToken.None).WaitAsync(Timeout));
    }

    /// <summary>Settles <paramref name="requestIds"/> in one batch of their own: a first settlement is taken alone while the
    /// write lock is held, so that the requests queued after it are taken together.</summary>
    private static async Task<List<Task<bool>>> BatchAsync(TempStore t, string accountId, string keyId, string[] requestIds, Func<string, string>? receiptOf)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = t.Store.Database.WriteAsync(async (_, _) => { await release.Task; return 0; }, CancellationToken.None);
        string lead = requestIds[0] + "_lead";
        var first = t.Store.RecordUsageAsync(t.Usage(accountId, keyId, lead, 10), Charge(t, accountId, keyId, lead, 10), CancellationToken.None);
        await Task.Delay(200);
        var results = requestIds.Select(id => t.Store.RecordUsageAsync(t.Usage(accountId, keyId, id, 10), Charge(t, accountId, keyId, id, 10),
            receiptOf is null ? null : new Candor.Core.Receipts.StoredReceipt(receiptOf(id), "key:k", accountId, DateTimeOffset.UnixEpoch, [1, 2, 3], null),
            CancellationToken.None)).ToList();
        release.SetResult();
        await holder.WaitAsync(Timeout);
        Assert.True(await first.WaitAsync(Timeout));
        await Task.WhenAll(results.Select(r => r.ContinueWith(static _ => { }, TaskScheduler.Default))).WaitAsync(Timeout);
        return results;
    }

    [Fact]
    public async Task SettlementCancelledWhileQueued_IsNotWritten()
    {
        using var t = await TempStore.CreateAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000);
        var key = await t.KeyAsync(account.Id);

        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = t.Store.Database.WriteAsync(async (_, _) => { await release.Task; return 0; }, CancellationToken.None);
        // The loop takes the first one and waits for the lock; the second waits in the queue.
        var taken = t.Store.RecordUsageAsync(t.Usage(account.Id, key.Record.Id, "req_1", 100), Charge(t, account.Id, key.Record.Id, "req_1", 100), CancellationToken.None);
        await Task.Delay(100);
        using var cts = new CancellationTokenSource();
        var queued = t.Store.RecordUsageAsync(t.Usage(account.Id, key.Record.Id, "req_2", 100), Charge(t, account.Id, key.Record.Id, "req_2", 100), cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued.WaitAsync(Timeout));
        release.SetResult();
        await holder.WaitAsync(Timeout);

        Assert.True(await taken.WaitAsync(Timeout));
        Assert.Null(await t.Store.GetUsageAsync(account.Id, "req_2", CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(900, await t.Store.GetBalanceAsync(account.Id, CancellationToken.None).WaitAsync(Timeout));
    }

    [Fact]
    public async Task WriterConnection_ReusesPreparedStatements_AndIsReplacedAfterAFailedWrite()
    {
        using var t = await TempStore.CreateAsync();
        var db = t.Store.Database;
        const string Sql = "SELECT @n + 1";
        var (connection, first) = await db.WriteAsync((c, tx) => Task.FromResult((c, db.Prepared(c, tx, Sql))), CancellationToken.None);
        var (sameConnection, again) = await db.WriteAsync((c, tx) => Task.FromResult((c, db.Prepared(c, tx, Sql))), CancellationToken.None);
        Assert.Same(connection, sameConnection); // one writer connection
        Assert.Same(first, again); // one prepared statement per SQL text
        Assert.Equal(42L, await db.WriteAsync(async (c, tx) => (long)(await db.Prepared(c, tx, Sql).Add("@n", 41).ExecuteScalarAsync())!, CancellationToken.None));

        // Only inside a write, on the writer's connection.
        var reader = await db.ReadAsync((c, tx) => Task.FromResult(c), CancellationToken.None);
        Assert.Throws<InvalidOperationException>(() => db.Prepared(reader, null!, Sql));

        // A write that fails rolls back and leaves no trusted state behind: the next write gets a fresh connection.
        await Assert.ThrowsAsync<InvalidOperationException>(() => db.WriteAsync<int>((_, _) => throw new InvalidOperationException("boom"), CancellationToken.None));
        var (fresh, statement) = await db.WriteAsync((c, tx) => Task.FromResult((c, db.Prepared(c, tx, Sql))), CancellationToken.None);
        Assert.NotSame(connection, fresh);
        Assert.NotSame(first, statement);
        var account = await t.AccountAsync("a", topUpMicros: 1_000);
        var key = await t.KeyAsync(account.Id);
        Assert.True(await t.Store.RecordUsageAsync(t.Usage(account.Id, key.Record.Id, "req_1", 100), Charge(t, account.Id, key.Record.Id, "req_1", 100), CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(900, await t.Store.GetBalanceAsync(account.Id, CancellationToken.None).WaitAsync(Timeout));
    }

    private static LedgerEntry Charge(TempStore t, string accountId, string keyId, string requestId, long micros) =>
        LedgerEntry.ChargeFor(t.Usage(accountId, keyId, requestId, micros), "test");
}
