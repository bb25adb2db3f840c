using System.Threading.Channels;
using Candor.Core.Receipts;
using Candor.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Candor.Storage;

public sealed partial class SqliteStore : IReceiptStore
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
            throw new ObjectDisposedException(nameof(SqliteStore));
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
                    // One prepared statement for the batch (a command per receipt would parse the SQL each time).
                    using var insert = Command(c, tx, ReceiptsSql.InsertIfNew);
                    foreach (var (receipt, _) in batch)
                    {
                        insert.Parameters.Clear();
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
        return _db.WriteAsync(async (c, tx) =>
        {
            // One prepared statement for the whole batch, rebound per receipt.
            using var update = Command(c, tx, ReceiptsSql.SetLeafIndex);
            var id = update.Parameters.Add("@id", SqliteType.Text);
            var leaf = update.Parameters.Add("@leaf_index", SqliteType.Integer);
            foreach (var (receiptId, leafIndex) in indices)
            {
                id.Value = receiptId;
                leaf.Value = leafIndex;
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<StoredReceipt>> ListUnloggedAsync(int limit, CancellationToken cancellationToken) =>
        await _db.ReadAsync((c, tx) =>
        {
            using var select = Command(c, tx, ReceiptsSql.SelectUnlogged).Add("@limit", limit);
            return QueryAsync(select, ReceiptsSql.Read, cancellationToken);
        }, cancellationToken).ConfigureAwait(false);
}
