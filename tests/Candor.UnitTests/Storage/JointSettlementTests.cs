using System.Data.Common;
using System.Text;
using Candor.Core.Accounts;
using Candor.Core.Receipts;
using Microsoft.Data.Sqlite;

namespace Candor.UnitTests.Storage;

/// <summary>One durable write per settlement (docs/fail-closed.md): the usage record, the charge, the deletion of the
/// admission record and the signed receipt commit together or not at all; a receipt the store cannot take leaves no usage
/// record and no charge, and the admission record stays for crash recovery.</summary>
public class JointSettlementTests
{
    /// <summary>The store under test: SQLite here, PostgreSQL in <see cref="PostgresJointSettlementTests"/>.</summary>
    private protected virtual Task<TempStore> CreateStoreAsync() => TempStore.CreateAsync();

    private static readonly TimeSpan Timeout = TempStore.Timeout;

    [SkippableFact]
    public async Task SettlementWithReceipt_StoresUsageChargeAndReceipt_RemovesTheAdmission()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000_000);
        var key = await t.KeyAsync(account.Id);
        var usage = t.Usage(account.Id, key.Record.Id, "req_1", 100);
        await t.Store.RecordAdmissionAsync(usage with { Outcome = UsageOutcome.Interrupted, ChargeMicros = 0 }, Promise(account.Id, key.Record.Id, "rcpt_1", "req_1"), CancellationToken.None).WaitAsync(Timeout);

        Assert.True(await t.Store.RecordUsageAsync(usage, LedgerEntry.ChargeFor(usage), Receipt(account.Id, "rcpt_1"), CancellationToken.None).WaitAsync(Timeout));

        Assert.NotNull(await t.Store.GetUsageAsync(account.Id, "req_1", CancellationToken.None).WaitAsync(Timeout));
        Assert.NotNull(await t.Store.GetAsync("rcpt_1", CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(1_000_000 - 100, await t.Store.GetBalanceAsync(account.Id, CancellationToken.None).WaitAsync(Timeout));
        await t.ReopenAsync();
        Assert.Equal(0, await t.Store.RecoverInterruptedAsync(CancellationToken.None).WaitAsync(Timeout));
        Assert.Empty(await t.Store.ListInterruptedReceiptsAsync(CancellationToken.None).WaitAsync(Timeout));
    }

    [SkippableFact]
    public async Task ReceiptWriteFails_NeitherUsageNorChargeIsStored_TheAdmissionIsRecoveredAtTheNextStart()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000_000);
        var key = await t.KeyAsync(account.Id);
        var usage = t.Usage(account.Id, key.Record.Id, "req_1", 100);
        await t.Store.RecordAdmissionAsync(usage with { Outcome = UsageOutcome.Interrupted, ChargeMicros = 0 }, Promise(account.Id, key.Record.Id, "rcpt_1", "req_1"), CancellationToken.None).WaitAsync(Timeout);
        await t.FailReceiptInsertsAsync("rcpt_1");

        await Assert.ThrowsAnyAsync<DbException>(() => t.Store.RecordUsageAsync(usage, LedgerEntry.ChargeFor(usage), Receipt(account.Id, "rcpt_1"), CancellationToken.None).WaitAsync(Timeout));

        Assert.Null(await t.Store.GetUsageAsync(account.Id, "req_1", CancellationToken.None).WaitAsync(Timeout));
        Assert.Null(await t.Store.GetAsync("rcpt_1", CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(1_000_000, await t.Store.GetBalanceAsync(account.Id, CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(0, await t.Store.GetKeySpendAsync(key.Record.Id, CancellationToken.None).WaitAsync(Timeout));

        // The admission record is still there: the next start records the request as interrupted, with its receipt.
        await t.ReopenAsync();
        Assert.Equal(1, await t.Store.RecoverInterruptedAsync(CancellationToken.None).WaitAsync(Timeout));
        var recovered = await t.Store.GetUsageAsync(account.Id, "req_1", CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(UsageOutcome.Interrupted, recovered!.Outcome);
        Assert.Equal("rcpt_1", Assert.Single(await t.Store.ListInterruptedReceiptsAsync(CancellationToken.None).WaitAsync(Timeout)).ReceiptId);
    }

    [SkippableFact]
    public async Task OneFailingReceiptInAGroupCommit_RollsBackOnlyItsOwnSettlement()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000_000);
        var key = await t.KeyAsync(account.Id);
        await t.FailReceiptInsertsAsync("rcpt_bad");
        var good = Enumerable.Range(0, 40).Select(i => t.Usage(account.Id, key.Record.Id, $"req_{i}", 10)).ToList();
        var bad = t.Usage(account.Id, key.Record.Id, "req_bad", 10);

        // Queued together, they share transactions (group commit): the failing one runs under its own savepoint.
        var writes = good.Select(u => t.Store.RecordUsageAsync(u, LedgerEntry.ChargeFor(u), Receipt(account.Id, "rcpt_" + u.RequestId), CancellationToken.None))
            .Append(t.Store.RecordUsageAsync(bad, LedgerEntry.ChargeFor(bad), Receipt(account.Id, "rcpt_bad"), CancellationToken.None))
            .ToList();
        await Assert.ThrowsAnyAsync<DbException>(() => writes[^1].WaitAsync(Timeout));
        foreach (var write in writes.Take(good.Count))
        {
            Assert.True(await write.WaitAsync(Timeout));
        }

        Assert.Null(await t.Store.GetUsageAsync(account.Id, "req_bad", CancellationToken.None).WaitAsync(Timeout));
        Assert.Null(await t.Store.GetAsync("rcpt_bad", CancellationToken.None).WaitAsync(Timeout));
        foreach (var u in good)
        {
            Assert.NotNull(await t.Store.GetUsageAsync(account.Id, u.RequestId, CancellationToken.None).WaitAsync(Timeout));
            Assert.NotNull(await t.Store.GetAsync("rcpt_" + u.RequestId, CancellationToken.None).WaitAsync(Timeout));
        }

        Assert.Equal(1_000_000 - (10 * good.Count), await t.Store.GetBalanceAsync(account.Id, CancellationToken.None).WaitAsync(Timeout));
    }

    /// <summary>An injected store fault: the receipts table refuses the row <paramref name="receiptId"/> (a trigger
    /// written through a second connection, as another process could).</summary>
    internal static async Task FailReceiptInsertsAsync(string databasePath, string receiptId)
    {
        await using var c = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        await c.OpenAsync();
        await using var create = c.CreateCommand();
        create.CommandText = $"CREATE TRIGGER fail_receipt BEFORE INSERT ON receipts WHEN NEW.id = '{receiptId}' BEGIN SELECT RAISE(ABORT, 'injected store fault'); END";
        await create.ExecuteNonQueryAsync();
    }

    private static StoredReceipt Receipt(string accountId, string id) =>
        new(id, "key:k", accountId, DateTimeOffset.UnixEpoch.AddDays(20_000), Encoding.UTF8.GetBytes("{\"receipt\":{}}"), null);

    private static AdmittedReceipt Promise(string accountId, string keyId, string receiptId, string requestId) =>
        new(receiptId, requestId, "key:" + keyId, accountId, "pseudonym", "openai", ReceiptKind.Chat, "m", new byte[32], 2, 1, DateTimeOffset.UnixEpoch.AddDays(20_000));
}
