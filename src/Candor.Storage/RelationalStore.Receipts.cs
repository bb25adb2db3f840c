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

    /// <inheritdoc/>
    public Task<StoredReceipt?> GetAsync(string id, CancellationToken cancellationToken) =>
        _db.ReadAsync((c, tx) =>
        {
            using var select = Command(c, tx, ReceiptsSql.SelectOne).Add("@id", id);
            return QuerySingleAsync(select, ReceiptsSql.Read, cancellationToken);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task SetLeafIndicesAsync(IReadOnlyList<(string Id, long LeafIndex)> indices, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(indices);

        // On SQLite without its own fsync: the log's journal already holds these entries durably, so an index lost with
        // a power loss only makes the appender append the same leaf again at the next start (harmless, docs/receipts.md),
        // and the store's last index can fall behind the log, never run ahead of it (the start-up rollback check).
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

    /// <summary>The stored receipt with the highest transparency-log index, or null when none has one (the start-up
    /// cross-check: the log must hold that index, and that receipt's leaf there).</summary>
    public Task<StoredReceipt?> LastLoggedAsync(CancellationToken cancellationToken) =>
        _db.ReadAsync((c, tx) =>
        {
            using var select = Command(c, tx, ReceiptsSql.SelectLastLogged);
            return QuerySingleAsync(select, ReceiptsSql.Read, cancellationToken);
        }, cancellationToken);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<StoredReceipt>> ListUnloggedAsync(int limit, CancellationToken cancellationToken) =>
        await _db.ReadAsync((c, tx) =>
        {
            using var select = Command(c, tx, ReceiptsSql.SelectUnlogged).Add("@limit", limit);
            return QueryAsync(select, ReceiptsSql.Read, cancellationToken);
        }, cancellationToken).ConfigureAwait(false);
}
