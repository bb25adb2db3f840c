namespace Candor.Storage.Sqlite;

/// <summary>Copies the WAL into the database file in the background, so that the writer does not stop for it.</summary>
/// <remarks>
/// SQLite's automatic checkpoint runs on the connection that commits, once the WAL holds 1,000 pages: with every feature
/// on that was the writer, every few hundred requests, and every settlement queued behind it waited for the copy and its
/// fsyncs (docs/benchmarks.md, "WAL checkpoints off the writer"). Here a commit nudges this loop; it waits
/// <see cref="Interval"/> so that one checkpoint covers the commits of that time (a page written by many of them is
/// copied once), copies what the WAL holds on a connection of its own while the writer goes on appending
/// (<c>PASSIVE</c>), then, holding the writer's lock, copies the few frames appended meanwhile: a WAL copied whole is
/// started again from its beginning by the next write, where one that never is only grows. The writer keeps an
/// automatic checkpoint at <see cref="BackstopPages"/> in case this loop falls behind or fails (a failed checkpoint loses
/// nothing: the frames stay in the WAL, and the store's writes report a failing disk themselves).
/// Durability is unchanged: a checkpoint syncs the WAL before it copies and the database file after (synchronous=FULL).
/// </remarks>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>How long after a commit the checkpoint runs (the default).</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(1);

    /// <summary>The writer's own automatic checkpoint, in pages (128 MB of 8 KB pages): the backstop.</summary>
    public const int BackstopPages = 16_384;

    private const string Passive = "PRAGMA wal_checkpoint(PASSIVE)";

    private readonly SqliteDatabase _database;
    private readonly SemaphoreSlim _nudge = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _nudged;
    private int _disposed;
    private long _checkpoints;
    private long _failures;

    public WalCheckpointer(SqliteDatabase database, TimeSpan interval)
    {
        _database = database;
        Interval = interval;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>How long after a commit the checkpoint runs.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Checkpoints completed (both passes), for tests and diagnostics.</summary>
    public long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>Checkpoints that failed (the frames stay in the WAL; the next one, or the writer's backstop, copies them).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>A commit happened: checkpoint within <see cref="Interval"/>. One interlocked exchange when a checkpoint is
    /// already due.</summary>
    public void Nudge()
    {
        if (Volatile.Read(ref _disposed) == 0 && Interlocked.Exchange(ref _nudged, 1) == 0)
        {
            _nudge.Release();
        }
    }

    private async Task RunAsync()
    {
        var stop = _stop.Token;
        try
        {
            while (true)
            {
                await _nudge.WaitAsync(stop).ConfigureAwait(false);
                await Task.Delay(Interval, stop).ConfigureAwait(false);

                // Commits from here on nudge the next round.
                Volatile.Write(ref _nudged, 0);
                try
                {
                    await CheckpointAsync(stop).ConfigureAwait(false);
                    Interlocked.Increment(ref _checkpoints);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
#pragma warning disable CA1031 // A failed checkpoint loses nothing; the next one (or the writer's backstop) retries.
                catch (Exception)
#pragma warning restore CA1031
                {
                    Interlocked.Increment(ref _failures);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var checkpoint = Relational.StoreDatabase.Command(connection, null, Passive);
            if (await CopyAsync(checkpoint, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            // The writer appended during the copy: copy the rest while it waits (a few frames).
            await _database.WhileNoWriteAsync(() => CopyAsync(checkpoint, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One passive checkpoint; true when the WAL is copied whole (every frame in it is in the database file).</summary>
    private static async Task<bool> CopyAsync(System.Data.Common.DbCommand checkpoint, CancellationToken cancellationToken)
    {
        using var reader = await checkpoint.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        // Columns: busy (0/1), frames in the WAL, frames copied (-1 and -1 when not in WAL mode).
        return !await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || reader.GetInt64(2) >= reader.GetInt64(1);
    }

    /// <summary>Stops the loop (a checkpoint in progress is cancelled; the writer's backstop or the next start copies the rest).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stop.Cancel();
        try
        {
            if (!_loop.Wait(TimeSpan.FromSeconds(10)))
            {
                return; // still in a checkpoint's I/O: leave the loop its token and semaphore
            }
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
        _nudge.Dispose();
    }
}
