using System.Data.Common;
using System.Threading.Channels;
using Candor.Core.Receipts;
using Candor.Storage.Sqlite;

namespace Candor.Storage;

internal abstract partial class RelationalStore : IReceiptStore
{
    private readonly Channel<(StoredReceipt Receipt, TaskCompletionSource Done)> _receiptQueue =
        Channel.CreateUnbounded<(StoredReceipt, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });

    private Task? _receiptWriter;

    /// <summary>Stores a receipt durably (synchronous=FULL). Concurrent saves are group-committed: one writer
    /// drains every receipt waiting and commits them in one transaction, so under load the fsync is shared.</summary>
    public Task SaveAsync(StoredReceipt receipt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        if (_receiptWriter is null)
        {
            lock (_receiptQueue)
            {
                _receiptWriter ??= Task.Run(WriteReceiptsAsync, CancellationToken.None);
            }
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_receiptQueue.Writer.TryWrite((receipt, done)))
        {
            throw new ObjectDisposedException(nameof(RelationalStore));
        }

        return done.Task.WaitAsync(cancellationToken);
    }

    private async Task WriteReceiptsAsync()
    {
        var batch = new List<(StoredReceipt Receipt, TaskCompletionSource Done)>(64);
        while (await _receiptQueue.Reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < 256 && _receiptQueue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            try
            {
                await _db.WriteAsync(async (c, tx) =>
                {
                    foreach (var (receipt, _) in batch)
                    {
                        var insert = _db.Prepared(c, tx, ReceiptsSql.InsertIfNew);
                        ReceiptsSql.Bind(insert, receipt);
                        await insert.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                    }

                    return true;
                }, CancellationToken.None).ConfigureAwait(false);
                foreach (var (_, done) in batch)
                {
                    done.TrySetResult();
                }
            }
#pragma warning disable CA1031 // Handed to every waiting caller.
            catch (Exception e)
#pragma warning restore CA1031
            {
                foreach (var (_, done) in batch)
                {
                    done.TrySetException(e);
                }
            }
        }
    }

    // SQLite records log indexes in receipt_leaves (ReceiptLeavesSql), PostgreSQL in receipts.leaf_index (ReceiptsSql),
    // where its shared log sequences receipts in place (Server/Transparency/SharedLogSql.cs).
    private bool LeavesInTable => _db is SqliteDatabase;

    // SQLite: the watermark of receipt_leaves (ReceiptLeavesSql) once read: the receipt (rowid, id) up to which every
    // stored receipt is logged or a listed hole; (0, null) when none is known. Only ever raised, and only after the commit
    // that wrote it. _holes: whether receipt_log_holes may hold a receipt that has an index now (checked after each batch
    // until it holds none).
    private readonly Lock _markGate = new();
    private (long Rowid, string? Id)? _loggedThrough;
    private bool _holes = true;

    /// <summary>SQLite: how old (by its signing time) a receipt stored after the watermark and still without an index must
    /// be for the watermark to pass it, listing it in <c>receipt_log_holes</c>: a receipt stored and never queued for the
    /// log (sealed by the resolution of a withheld request while running) or whose append failed. Younger, it is taken as
    /// on its way to the log (queued once its settlement committed) and the watermark waits for it.</summary>
    internal static readonly TimeSpan HoleAge = TimeSpan.FromMinutes(1);

    /// <inheritdoc/>
    public Task<StoredReceipt?> GetAsync(string id, CancellationToken cancellationToken) =>
        _db.ReadAsync((c, tx) =>
        {
            using var select = Command(c, tx, LeavesInTable ? ReceiptLeavesSql.SelectOne : ReceiptsSql.SelectOne).Add("@id", id);
            return QuerySingleAsync(select, ReceiptsSql.Read, cancellationToken);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task SetLeafIndicesAsync(IReadOnlyList<(string Id, long LeafIndex)> indices, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (LeavesInTable)
        {
            return AppendLeavesAsync(indices, cancellationToken);
        }

        // PostgreSQL: each receipt's row is updated (its shared log's passes do the same in SharedLogSql).
        return _db.WriteAsync(async (c, tx) =>
        {
            foreach (var (receiptId, leafIndex) in indices)
            {
                var update = _db.Prepared(c, tx, ReceiptsSql.SetLeafIndex).Add("@id", receiptId).Add("@leaf_index", leafIndex);
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return true;
        }, deferSync: !IsShared, cancellationToken);
    }

    /// <summary>SQLite: appends the batch's indexes to <c>receipt_leaves</c> in log order, then moves the watermark over the
    /// receipts stored after it that now all have an index (and over those older than <see cref="HoleAge"/> without one,
    /// listing them as holes), and writes it on the batch's last row (a page the batch dirtied anyway). The receipts' rows
    /// are not written.</summary>
    private async Task AppendLeavesAsync(IReadOnlyList<(string Id, long LeafIndex)> indices, CancellationToken cancellationToken)
    {
        if (indices.Count == 0)
        {
            return;
        }

        var inLogOrder = indices.ToArray();
        Array.Sort(inLogOrder, static (a, b) => a.LeafIndex.CompareTo(b.LeafIndex));
        long holeBefore = (_time.GetUtcNow() - HoleAge).ToUnixTimeMilliseconds();
        bool checkHoles;
        lock (_markGate)
        {
            checkHoles = _holes;
        }

        // Without its own fsync: the log's journal already holds these entries durably, so an index lost with a power loss
        // only makes the appender append the same leaf again at the next start (harmless, docs/receipts.md), and the
        // store's last index can fall behind the log, never run ahead of it (the start-up rollback check). The watermark
        // and the holes are in the same transaction as the rows they cover, so they are lost with them or not at all.
        var (mark, holesLeft) = await _db.WriteAsync(async (c, tx) =>
        {
            foreach (var (receiptId, leafIndex) in inLogOrder)
            {
                var insert = _db.Prepared(c, tx, ReceiptLeavesSql.Insert).Add("@receipt_id", receiptId).Add("@leaf_index", leafIndex);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var moved = await LoggedThroughAsync(c, tx, cancellationToken).ConfigureAwait(false);

            // At most this many receipts are read per batch: a watermark far behind (after the migration, or once it passes
            // a hole) catches up over several batches.
            var holes = new List<string>();
            using (var walk = Command(c, tx, ReceiptLeavesSql.SelectAfterMark)
                .Add("@after", moved.Rowid).Add("@limit", Math.Max(1024, 2 * inLogOrder.Length)))
            {
                using var reader = await walk.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (reader.GetInt64(3) == 0)
                    {
                        if (reader.GetInt64(2) > holeBefore)
                        {
                            break;
                        }

                        holes.Add(reader.GetString(1));
                    }

                    moved = (reader.GetInt64(0), reader.GetString(1));
                }
            }

            foreach (string hole in holes)
            {
                await _db.Prepared(c, tx, ReceiptLeavesSql.InsertHole).Add("@receipt_id", hole).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            bool anyHole = holes.Count > 0;
            if (checkHoles && !anyHole)
            {
                await _db.Prepared(c, tx, ReceiptLeavesSql.DeleteFilledHoles).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                using var any = Command(c, tx, ReceiptLeavesSql.AnyHole);
                anyHole = await ScalarInt64Async(any, cancellationToken).ConfigureAwait(false) != 0;
            }

            var setMark = _db.Prepared(c, tx, ReceiptLeavesSql.SetMark).Add("@logged_through", DbValues.ToDb(moved.Id));
            await setMark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return (moved, anyHole);
        }, deferSync: true, cancellationToken).ConfigureAwait(false);

        RaiseMark(mark);
        lock (_markGate)
        {
            _holes = holesLeft;
        }
    }

    /// <summary>SQLite: the watermark, read from <c>receipt_leaves</c> the first time.</summary>
    private async Task<(long Rowid, string? Id)> LoggedThroughAsync(DbConnection c, DbTransaction tx, CancellationToken cancellationToken)
    {
        lock (_markGate)
        {
            if (_loggedThrough is { } known)
            {
                return known;
            }
        }

        (long, string?) read = (0, null);
        using (var select = Command(c, tx, ReceiptLeavesSql.SelectMark))
        {
            using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                read = (reader.GetInt64(0), reader.GetString(1));
            }
        }

        return RaiseMark(read);
    }

    /// <summary>Keeps the higher of the known watermark and <paramref name="mark"/> (a read's older snapshot never lowers
    /// it); returns the one kept.</summary>
    private (long Rowid, string? Id) RaiseMark((long Rowid, string? Id) mark)
    {
        lock (_markGate)
        {
            if (_loggedThrough is not { } known || mark.Rowid > known.Rowid)
            {
                _loggedThrough = mark;
            }

            return _loggedThrough.Value;
        }
    }

    /// <summary>The stored receipt with the highest transparency-log index, or null when none has one (the start-up
    /// cross-check: the log must hold that index, and that receipt's leaf there). On SQLite the receipt whose index was
    /// recorded last (indexes are recorded in log order).</summary>
    public Task<StoredReceipt?> LastLoggedAsync(CancellationToken cancellationToken) =>
        _db.ReadAsync((c, tx) =>
        {
            using var select = Command(c, tx, LeavesInTable ? ReceiptLeavesSql.SelectLastLogged : ReceiptsSql.SelectLastLogged);
            return QuerySingleAsync(select, ReceiptsSql.Read, cancellationToken);
        }, cancellationToken);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<StoredReceipt>> ListUnloggedAsync(int limit, CancellationToken cancellationToken) =>
        await _db.ReadAsync(async (c, tx) =>
        {
            if (!LeavesInTable)
            {
                using var select = Command(c, tx, ReceiptsSql.SelectUnlogged).Add("@limit", limit);
                return await QueryAsync(select, ReceiptsSql.Read, cancellationToken).ConfigureAwait(false);
            }

            var mark = await LoggedThroughAsync(c, tx, cancellationToken).ConfigureAwait(false);
            using var unlogged = Command(c, tx, ReceiptLeavesSql.SelectUnlogged).Add("@after", mark.Rowid).Add("@limit", limit);
            return await QueryAsync(unlogged, ReceiptsSql.Read, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
}
