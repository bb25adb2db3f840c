using Candor.Core.Accounts;
using Candor.Core.Receipts;
using Candor.Storage.Relational;
using Candor.Storage.Sqlite;
using System.Data.Common;

namespace Candor.Storage;

/// <summary>Group writes (<see cref="StoreDatabase.WritesGroups"/>: PostgreSQL): a group commit's whole batch sent in one
/// round trip (admissions) or two (settlements: the admission records' deletions first, whose returned reservations decide
/// what is released) instead of one round trip per statement and two more per item for its savepoint. The statements are
/// the ones the item-by-item path runs, in the same order per item; their row counts are checked afterwards, and when any
/// differs from the plain case (a reservation refused, a request already settled, an account gone) or a statement fails,
/// the batch is rolled back to its savepoint and written item by item (<see cref="GroupCommitWriter{TItem, TResult}"/>),
/// so every refusal and failure is decided exactly as there (docs/scale-out.md, "Round trips").</summary>
internal abstract partial class RelationalStore
{
    private const string GroupSavepoint = "SAVEPOINT grp";
    private const string RollbackGroup = "ROLLBACK TO SAVEPOINT grp";

    // PostgreSQL only (an array parameter): the batch's admission records deleted in one statement, unless recovery claimed
    // them (AdmissionsSql.DeleteReturningReserved: a claimed row stays until its interrupted receipt is stored).
    private const string DeleteAdmissionsReturningReserved =
        "DELETE FROM admitted_requests WHERE request_id = ANY(@request_ids) AND recovered = 0 RETURNING request_id, reserved_micros";

    /// <summary>Every admission of the batch at once: all true, or null (nothing changed) when any reservation was refused
    /// or any statement failed.</summary>
    private async Task<bool[]?> WriteAdmissionGroupAsync(DbConnection c, DbTransaction tx, IReadOnlyList<AdmissionWrite> items)
    {
        var batch = GroupBatch(c, tx);
        await using (batch.ConfigureAwait(false))
        {
            // The commands whose row count must be 1: the reservations and, with a reservation, the admission record.
            var mustChangeOne = new List<DbBatchCommand>();
            var scratch = c.CreateCommand();
            await using (scratch.ConfigureAwait(false))
            {
                foreach (var (admitted, receipt, reserve) in items)
                {
                    if (reserve is { } amount)
                    {
                        mustChangeOne.Add(Add(batch, AccountsSql.Reserve, scratch.Add("@amount", amount).Add("@id", admitted.AccountId)));
                        mustChangeOne.Add(Add(batch, ApiKeysSql.Reserve, scratch.Add("@amount", amount).Add("@id", admitted.KeyId)));
                    }

                    var insert = Add(batch, AdmissionsSql.Insert, BindAdmission(scratch, admitted, receipt, reserve));
                    if (reserve is not null)
                    {
                        mustChangeOne.Add(insert);
                    }
                }
            }

            if (!await TryExecuteAsync(batch, c, tx, mustChangeOne).ConfigureAwait(false))
            {
                return null;
            }

            return [.. Enumerable.Repeat(true, items.Count)];
        }
    }

    /// <summary>Every settlement of the batch at once: all true (each usage record was new), or null (nothing changed) when
    /// a request id appears twice, a request is already recorded, an account is gone or a statement failed.</summary>
    private async Task<bool[]?> WriteSettlementGroupAsync(
        DbConnection c, DbTransaction tx, IReadOnlyList<(UsageRecord Usage, LedgerEntry? Charge, StoredReceipt? Receipt)> items)
    {
        var requestIds = new string[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            requestIds[i] = items[i].Usage.RequestId;
        }

        if (requestIds.Distinct(StringComparer.Ordinal).Count() != requestIds.Length)
        {
            return null;
        }

        // First round trip: the savepoint and the deletion of every admission record, returning the money each held in
        // the store (a record already recovered holds 0; none: nothing to release), as DeleteAdmissionAsync does per item.
        var held = new Dictionary<string, long>(StringComparer.Ordinal);
        var deletion = GroupBatch(c, tx);
        await using (deletion.ConfigureAwait(false))
        {
            var delete = deletion.CreateBatchCommand();
            delete.CommandText = DeleteAdmissionsReturningReserved;
            var ids = delete.CreateParameter();
            ids.ParameterName = "@request_ids";
            ids.Value = requestIds;
            delete.Parameters.Add(ids);
            deletion.BatchCommands.Add(delete);
            try
            {
                var reader = await deletion.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    // The savepoint's result (if the provider shows one) has no columns; the deletion's has two.
                    do
                    {
                        while (reader.FieldCount == 2 && await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
                        {
                            held[reader.GetString(0)] = reader.GetInt64(1);
                        }
                    }
                    while (await reader.NextResultAsync(CancellationToken.None).ConfigureAwait(false));
                }
            }
            catch (DbException)
            {
                await RollbackGroupAsync(c, tx).ConfigureAwait(false);
                return null;
            }
        }

        // Second round trip: everything else, per item in the order of ApplySettlementAsync.
        var batch = c.CreateBatch();
        batch.Transaction = tx;
        await using (batch.ConfigureAwait(false))
        {
            var mustChangeOne = new List<DbBatchCommand>();
            var scratch = c.CreateCommand();
            await using (scratch.ConfigureAwait(false))
            {
                foreach (var (usage, charge, receipt) in items)
                {
                    if (ReservesInStore && held.TryGetValue(usage.RequestId, out long amount) && amount > 0)
                    {
                        Add(batch, AccountsSql.Release, scratch.Add("@amount", amount).Add("@id", usage.AccountId));
                        Add(batch, ApiKeysSql.Release, scratch.Add("@amount", amount).Add("@id", usage.KeyId));
                    }

                    // The usage record before the receipt, as ApplySettlementAsync: a request already recorded (claimed
                    // by recovery) changes no row here, and the whole group falls back to the item-by-item path.
                    UsageSql.Bind(scratch, usage);
                    mustChangeOne.Add(Add(batch, UsageSql.InsertIfNew, scratch));
                    if (receipt is not null)
                    {
                        ReceiptsSql.Bind(scratch, receipt);
                        Add(batch, ReceiptsSql.InsertIfNew, scratch);
                    }

                    if (charge is not null)
                    {
                        mustChangeOne.Add(Add(batch, AccountsSql.AddToBalance, scratch.Add("@amount", charge.AmountMicros).Add("@id", charge.AccountId)));
                        LedgerSql.Bind(scratch, charge);
                        Add(batch, LedgerSql.Insert, scratch);
                        if (charge.KeyId is { } keyId)
                        {
                            Add(batch, ApiKeysSql.AddSpend, scratch.Add("@amount", -charge.AmountMicros).Add("@id", keyId));
                        }
                    }
                }
            }

            if (!await TryExecuteAsync(batch, c, tx, mustChangeOne).ConfigureAwait(false))
            {
                return null;
            }

            return [.. Enumerable.Repeat(true, items.Count)];
        }
    }

    /// <summary>A batch of the writer's transaction that begins with the group's savepoint.</summary>
    private static DbBatch GroupBatch(DbConnection c, DbTransaction tx)
    {
        var batch = c.CreateBatch();
        batch.Transaction = tx;
        var savepoint = batch.CreateBatchCommand();
        savepoint.CommandText = GroupSavepoint;
        batch.BatchCommands.Add(savepoint);
        return batch;
    }

    /// <summary>Appends <paramref name="sql"/> to the batch with the parameters bound on <paramref name="bound"/> (moved:
    /// <paramref name="bound"/> is left empty for the next statement).</summary>
    private static DbBatchCommand Add(DbBatch batch, string sql, DbCommand bound)
    {
        var command = batch.CreateBatchCommand();
        command.CommandText = sql;
        var parameters = new DbParameter[bound.Parameters.Count];
        bound.Parameters.CopyTo(parameters, 0);
        bound.Parameters.Clear();
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter);
        }

        batch.BatchCommands.Add(command);
        return command;
    }

    /// <summary>Runs the batch; true when every command of <paramref name="mustChangeOne"/> changed one row. Otherwise (or
    /// when a statement failed) the transaction is rolled back to the group's savepoint and false returned; a failure of the
    /// rollback itself (the connection is gone) fails the whole group.</summary>
    private static async Task<bool> TryExecuteAsync(DbBatch batch, DbConnection c, DbTransaction tx, List<DbBatchCommand> mustChangeOne)
    {
        try
        {
            await batch.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (DbException)
        {
            await RollbackGroupAsync(c, tx).ConfigureAwait(false);
            return false;
        }

        foreach (var command in mustChangeOne)
        {
            if (command.RecordsAffected != 1)
            {
                await RollbackGroupAsync(c, tx).ConfigureAwait(false);
                return false;
            }
        }

        return true;
    }

    private static async Task RollbackGroupAsync(DbConnection c, DbTransaction tx)
    {
        using var rollback = Command(c, tx, RollbackGroup);
        await rollback.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
