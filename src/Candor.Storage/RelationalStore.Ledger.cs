using Candor.Core.Accounts;
using Candor.Core.Receipts;
using Candor.Storage.Sqlite;
using System.Data.Common;

namespace Candor.Storage;

internal abstract partial class RelationalStore
{
    /// <inheritdoc/>
    public async Task<LedgerEntry?> TopUpAsync(string accountId, long amountMicros, string note, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amountMicros);
        var now = Now();
        var entry = new LedgerEntry
        {
            Id = EntityIds.NewSequential(EntityIds.Ledger, now),
            AccountId = accountId,
            Kind = LedgerKind.TopUp,
            AmountMicros = amountMicros,
            CreatedAt = now,
            Note = note ?? "",
        };
        return await AppendAsync(entry, cancellationToken).ConfigureAwait(false) ? entry : null;
    }

    /// <inheritdoc/>
    public Task<bool> AppendAsync(LedgerEntry entry, CancellationToken cancellationToken) =>
        _db.WriteAsync((c, tx) => ApplyEntryAsync(c, tx, entry, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task<bool> RecordUsageAsync(UsageRecord usage, LedgerEntry? charge, CancellationToken cancellationToken) =>
        RecordUsageAsync(usage, charge, null, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> RecordUsageAsync(UsageRecord usage, LedgerEntry? charge, StoredReceipt? receipt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(usage);
        ArgumentOutOfRangeException.ThrowIfNegative(usage.ChargeMicros);
        if (charge is null ? usage.ChargeMicros != 0 : charge.Kind != LedgerKind.Charge || charge.AmountMicros != -usage.ChargeMicros)
        {
            throw new ArgumentException("The charge entry must be a Charge of minus the usage record's ChargeMicros (or absent when it is 0).", nameof(charge));
        }

        if (charge is not null && (charge.AccountId != usage.AccountId || charge.RequestId != usage.RequestId))
        {
            throw new ArgumentException("The charge entry must have the usage record's account and request id.", nameof(charge));
        }

        // Group commit: concurrent settlements share one transaction and one fsync (docs/storage.md).
        return _settlements.WriteAsync((usage, charge, receipt), cancellationToken);
    }

    /// <summary>Writes one settlement inside a group-commit transaction (its own savepoint when the batch holds others):
    /// the deletion of the request's admission record, the usage record (unless the request is already recorded, which
    /// returns false and writes nothing more), the receipt when one is given, and its charge. All of them commit together or none does, so a crash or a
    /// failed write never leaves a charge without its receipt, and an admission record stays until both are stored.</summary>
    private async Task<bool> ApplySettlementAsync(DbConnection c, DbTransaction tx, (UsageRecord Usage, LedgerEntry? Charge, StoredReceipt? Receipt) item)
    {
        // The settlement replaces the request's admission record (crash recovery) in the same transaction, and releases
        // the money that record held in the store (a shared store; none on SQLite, whose reservations are in memory).
        // The usage record decides, before the receipt: a request already recorded (recovery claimed it as interrupted
        // while this settlement waited) gets neither a second receipt nor a charge. Same lock order as recovery's claim:
        // the admission row, then the usage record.
        await DeleteAdmissionAsync(c, tx, item.Usage).ConfigureAwait(false);
        var insert = _db.Prepared(c, tx, UsageSql.InsertIfNew);
        UsageSql.Bind(insert, item.Usage);
        if (await insert.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false) == 0)
        {
            return false;
        }

        if (item.Receipt is { } receipt)
        {
            var insertReceipt = _db.Prepared(c, tx, ReceiptsSql.InsertIfNew);
            ReceiptsSql.Bind(insertReceipt, receipt);
            await insertReceipt.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }

        if (item.Charge is not null && !await ApplyEntryAsync(c, tx, item.Charge, CancellationToken.None).ConfigureAwait(false))
        {
            throw new InvalidOperationException("The usage record's account does not exist.");
        }

        return true;
    }

    /// <summary>Inserts the entry and applies it to the balance (and to the key's spend for charges and refunds).
    /// Returns false, having changed nothing, when the account does not exist.</summary>
    private async Task<bool> ApplyEntryAsync(DbConnection c, DbTransaction tx, LedgerEntry entry, CancellationToken cancellationToken)
    {
        var balance = _db.Prepared(c, tx, AccountsSql.AddToBalance).Add("@amount", entry.AmountMicros).Add("@id", entry.AccountId);
        if (await balance.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            return false;
        }

        var insert = _db.Prepared(c, tx, LedgerSql.Insert);
        LedgerSql.Bind(insert, entry);
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        if (entry.KeyId is { } keyId && entry.Kind is LedgerKind.Charge or LedgerKind.Refund)
        {
            var spend = _db.Prepared(c, tx, ApiKeysSql.AddSpend).Add("@amount", -entry.AmountMicros).Add("@id", keyId);
            await spend.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <inheritdoc/>
    public Task<long?> GetBalanceAsync(string accountId, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, AccountsSql.SelectBalance).Add("@id", accountId);
            return await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long balance ? balance : (long?)null;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<long> GetKeySpendAsync(string keyId, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, ApiKeysSql.SelectSpend).Add("@id", keyId);
            return await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long spent ? spent : 0L;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<UsageRecord?> GetUsageAsync(string accountId, string requestId, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, UsageSql.SelectOne).Add("@account_id", accountId).Add("@request_id", requestId);
            return await QuerySingleAsync(select, UsageSql.Read, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<Page<UsageRecord>> ListUsageAsync(string accountId, string? keyId, int limit, string? cursor, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, keyId is null ? UsageSql.SelectPage : UsageSql.SelectPageOfKey).Add("@account_id", accountId);
            if (keyId is not null)
            {
                select.Add("@key_id", keyId);
            }

            return await PageAsync(select, cursor, limit, UsageSql.Read, static u => new PageCursor(DbValues.ToMillis(u.CreatedAt), u.RequestId), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<Page<LedgerEntry>> ListLedgerAsync(string accountId, int limit, string? cursor, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, LedgerSql.SelectPage).Add("@account_id", accountId);
            return await PageAsync(select, cursor, limit, LedgerSql.Read, static e => new PageCursor(DbValues.ToMillis(e.CreatedAt), e.Id), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<LedgerSummary?> GetSummaryAsync(string accountId, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            long balance;
            using (var select = Command(c, tx, AccountsSql.SelectBalance).Add("@id", accountId))
            {
                if (await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not long stored)
                {
                    return null;
                }

                balance = stored;
            }

            long sum, topUps, charged, refunded, adjusted;
            using (var totals = Command(c, tx, LedgerSql.SelectTotals).Add("@account_id", accountId))
            using (var reader = await totals.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                (sum, topUps, charged, refunded, adjusted) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
            }

            using (var usage = Command(c, tx, UsageSql.SelectTotals).Add("@account_id", accountId))
            using (var reader = await usage.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                return new LedgerSummary(balance, sum, topUps, charged, refunded, adjusted, reader.GetInt64(0), reader.GetInt64(1));
            }
        }, cancellationToken);
}
