using System.Threading.Channels;
using System.Data.Common;
using Candor.Storage.Relational;

namespace Candor.Storage.Sqlite;

/// <summary>Group commit: one writer loop takes every pending item at once and writes them in one transaction,
/// so concurrent settlements share one commit (one fsync of the WAL) instead of paying one each. Each caller's
/// task completes only after the transaction holding its item is durable, so a completed task means the item is on
/// disk; on SQLite the loop goes on to the next batch while the WAL is synced (<see cref="WalSync"/>). A batch is first
/// written whole under one savepoint: with a group write (PostgreSQL: the whole batch's statements in one or two round
/// trips), or else item after item (SQLite). Only when that declines or an item fails (e.g. a vanished account) is the
/// batch rolled back to the savepoint and written again item by item, each under its own savepoint, so the failing item
/// is rolled back alone and reported to its caller while the rest of its batch commits. A savepoint costs two
/// statements, and in SQLite a copy of every page it changes into the statement journal: once per batch rather than
/// once per item in the common case where nothing fails.</summary>
/// <typeparam name="TItem">What one caller writes.</typeparam>
/// <typeparam name="TResult">What the write of one item returns.</typeparam>
internal sealed class GroupCommitWriter<TItem, TResult> : IDisposable
{
    /// <summary>The most items in one transaction; more wait for the next one.</summary>
    public const int MaxBatch = 512;

    // Run as prepared statements of the writer's connection (DbTransaction.Save would create and parse a
    // command for each item).
    private const string Savepoint = "SAVEPOINT item";
    private const string RollbackToSavepoint = "ROLLBACK TO SAVEPOINT item";
    private const string ReleaseSavepoint = "RELEASE SAVEPOINT item";
    private const string BatchSavepoint = "SAVEPOINT batch";
    private const string RollbackToBatch = "ROLLBACK TO SAVEPOINT batch";
    private const string ReleaseBatch = "RELEASE SAVEPOINT batch";

    private readonly StoreDatabase _db;
    private readonly Func<DbConnection, DbTransaction, TItem, Task<TResult>> _apply;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IComparer<TItem>? _order;
    private readonly Func<DbConnection, DbTransaction, IReadOnlyList<TItem>, Task<TResult[]?>>? _writeGroup;
    private readonly bool _deferSync;
    private readonly Task _loop;
    private long _transactions;
    private long _items;
    private long _groupWrites;
    private long _isolatedBatches;

    /// <param name="db">The database; its write lock still serializes the batch with every other write.</param>
    /// <param name="apply">Writes one item inside the batch's transaction (with no cancellation: once taken, an
    /// item is written).</param>
    /// <param name="order">When given, each batch is written in this order: writers on several nodes that take row locks
    /// in one global order cannot deadlock one another (docs/scale-out.md).</param>
    /// <param name="writeGroup">When given, tried first for every batch: writes all its items (in order) and returns their
    /// results, or leaves the transaction as it found it and returns null, and the batch is written item by item.</param>
    /// <param name="deferSync">Whether a batch's commit may skip its own fsync where the engine allows it
    /// (<see cref="StoreDatabase.WriteAsync{T}(Func{DbConnection, DbTransaction, Task{T}}, bool, CancellationToken)"/>): a
    /// completed task then means the item survives a crash of the process, and a power loss only once a later synchronous
    /// commit (or checkpoint) synced the WAL.</param>
    public GroupCommitWriter(
        StoreDatabase db, Func<DbConnection, DbTransaction, TItem, Task<TResult>> apply, IComparer<TItem>? order = null,
        Func<DbConnection, DbTransaction, IReadOnlyList<TItem>, Task<TResult[]?>>? writeGroup = null, bool deferSync = false)
    {
        _db = db;
        _apply = apply;
        _order = order;
        _writeGroup = writeGroup;
        _deferSync = deferSync;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>How many transactions have committed batches.</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>How many items those transactions held.</summary>
    public long Items => Interlocked.Read(ref _items);

    /// <summary>How many batches the group write wrote at once (the others, if any, item by item).</summary>
    public long GroupWrites => Interlocked.Read(ref _groupWrites);

    /// <summary>How many batches were written item by item under savepoints, after the batch written whole declined or
    /// one of its items failed.</summary>
    public long IsolatedBatches => Interlocked.Read(ref _isolatedBatches);

    /// <summary>Queues an item; the task completes when its transaction has committed. Cancelling
    /// <paramref name="cancellationToken"/> withdraws the item only while it still waits in the queue.</summary>
    public Task<TResult> WriteAsync(TItem item, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<TResult>(cancellationToken);
        }

        var pending = new Pending(item);
        if (cancellationToken.CanBeCanceled)
        {
            pending.Registration = cancellationToken.UnsafeRegister(static (state, token) => ((Pending)state!).TryWithdraw(token), pending);
        }

        if (!_queue.Writer.TryWrite(pending))
        {
            pending.Registration.Dispose();
            throw new ObjectDisposedException(nameof(GroupCommitWriter<TItem, TResult>));
        }

        return pending.Completion.Task;
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Pending>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var pending))
            {
                if (pending.TryTake())
                {
                    batch.Add(pending);
                }
            }

            if (batch.Count > 1 && _order is { } order)
            {
                batch.Sort((a, b) => order.Compare(a.Item, b.Item));
            }

            if (batch.Count > 0)
            {
                // The batch is completed when its commit is durable, possibly after the next batch has committed.
                await CommitAsync(batch).ConfigureAwait(false);
                batch = [];
            }
        }
    }

    private async Task CommitAsync(List<Pending> batch)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        Task durable;
        try
        {
            (_, durable) = await _db.CommitAsync(async (c, tx) =>
            {
                if (_writeGroup is not null
                    && await _writeGroup(c, tx, batch.ConvertAll(static p => p.Item)).ConfigureAwait(false) is { } results)
                {
                    for (int i = 0; i < batch.Count; i++)
                    {
                        batch[i].Result = results[i];
                    }

                    Interlocked.Increment(ref _groupWrites);
                    return true;
                }

                bool isolate = batch.Count > 1;
                if (isolate && _writeGroup is null && await WriteWholeAsync(c, tx, batch).ConfigureAwait(false))
                {
                    return true;
                }

                if (isolate)
                {
                    Interlocked.Increment(ref _isolatedBatches);
                }

                foreach (var pending in batch)
                {
                    if (isolate)
                    {
                        await _db.Prepared(c, tx, Savepoint).ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                    }

                    try
                    {
                        pending.Result = await _apply(c, tx, pending.Item).ConfigureAwait(false);
                    }
                    catch (Exception e) when (isolate)
                    {
                        await _db.Prepared(c, tx, RollbackToSavepoint).ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                        pending.Error = e;
                    }

                    if (isolate)
                    {
                        await _db.Prepared(c, tx, ReleaseSavepoint).ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                    }
                }

                return true;
            }, _deferSync, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Every failure (the commit's included) goes to the callers waiting for this batch.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Fail(batch, e, start);
            return;
        }

        if (durable.IsCompletedSuccessfully)
        {
            Complete(batch, start);
        }
        else
        {
            _ = CompleteWhenDurableAsync(batch, durable, start);
        }
    }

    private async Task CompleteWhenDurableAsync(List<Pending> batch, Task durable, long start)
    {
        try
        {
            await durable.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failed sync goes to the callers waiting for this batch.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Fail(batch, e, start);
            return;
        }

        Complete(batch, start);
    }

    private static void Fail(List<Pending> batch, Exception e, long start)
    {
        foreach (var pending in batch)
        {
            pending.Completion.TrySetException(e);
        }

        Core.CandorMetrics.GroupCommitted(batch.Count, start, committed: false);
    }

    private void Complete(List<Pending> batch, long start)
    {
        Core.CandorMetrics.GroupCommitted(batch.Count, start, committed: true);
        Interlocked.Increment(ref _transactions);
        Interlocked.Add(ref _items, batch.Count);
        foreach (var pending in batch)
        {
            if (pending.Error is { } error)
            {
                pending.Completion.TrySetException(error);
            }
            else
            {
                pending.Completion.TrySetResult(pending.Result!);
            }
        }
    }

    /// <summary>Writes every item of the batch under one savepoint: true when all succeeded (their results set), or false
    /// when one failed, with the transaction rolled back to where it was (a failure of that rollback fails the batch).</summary>
    private async Task<bool> WriteWholeAsync(DbConnection c, DbTransaction tx, List<Pending> batch)
    {
        await _db.Prepared(c, tx, BatchSavepoint).ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            foreach (var pending in batch)
            {
                pending.Result = await _apply(c, tx, pending.Item).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // Any failure: the batch is written again item by item, where the item's failure is its caller's.
        catch (Exception)
#pragma warning restore CA1031
        {
            await _db.Prepared(c, tx, RollbackToBatch).ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            await _db.Prepared(c, tx, ReleaseBatch).ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            foreach (var pending in batch)
            {
                pending.Result = default;
            }

            return false;
        }

        await _db.Prepared(c, tx, ReleaseBatch).ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        return true;
    }

    /// <summary>Stops taking items, writes those already queued and waits for the loop (at most 30 s).</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _loop.Wait(TimeSpan.FromSeconds(30));
    }

    /// <summary>One caller's item: queued (0), taken by the loop (1) or withdrawn by its caller (2).</summary>
    private sealed class Pending(TItem item)
    {
        private int _state;

        public TItem Item { get; } = item;

        public TaskCompletionSource<TResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Registration { get; set; }

        public TResult? Result { get; set; }

        public Exception? Error { get; set; }

        public bool TryTake()
        {
            bool taken = Interlocked.CompareExchange(ref _state, 1, 0) == 0;
            Registration.Dispose();
            return taken;
        }

        public void TryWithdraw(CancellationToken token)
        {
            if (Interlocked.CompareExchange(ref _state, 2, 0) == 0)
            {
                Completion.TrySetCanceled(token);
            }
        }
    }
}
