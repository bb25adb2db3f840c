namespace Candor.Storage.Sqlite;

/// <summary>Makes the writer's commits durable with fsyncs of the WAL that run beside the writer, not inside its commits.</summary>
/// <remarks>
/// <para>The writer's connection commits with <c>synchronous=NORMAL</c>: a commit writes its frames to the WAL (the
/// operating system's cache) and returns without an fsync. Each commit takes a sequence number; a caller that needs
/// its commit on disk waits for <see cref="SyncAsync"/>, which completes once an fsync of the WAL that began after that
/// commit has finished. One fsync covers every commit before it, and while it runs the writer goes on committing: the
/// next fsync covers those. Under <c>synchronous=FULL</c> each commit's fsync ran inside the commit, holding the
/// writer, so a request's write also waited for the fsync of the commit before it (docs/benchmarks.md, "Commits and
/// fsyncs in a pipeline").</para>
/// <para>Durability is the same as <c>synchronous=FULL</c>'s: a waiter is released only after an fsync that began after
/// its commit completed, and fsync flushes every byte written to the file before it. SQLite's WAL is safe from
/// corruption with <c>synchronous=NORMAL</c> (sqlite.org/pragma.html#pragma_synchronous): what a power loss can take is
/// commits no fsync covered yet — here, commits whose callers have not been told they are durable. A checkpoint syncs
/// the WAL before copying it and the database file after; a WAL is deleted only after a whole checkpoint, so a WAL file
/// that is gone (at the moment of the fsync) held nothing that is not already in the synced database file.</para>
/// <para>A failed fsync fails its waiters and every later one until the process restarts: after an fsync error the
/// kernel may have dropped pages written before it, and the WAL is replayed as a prefix, so no later commit in it can be
/// promised durable (PostgreSQL stops on a failed fsync for the same reason). The store then refuses every durable write
/// (docs/fail-closed.md).</para>
/// </remarks>
internal sealed class WalSync : IDisposable
{
    private readonly string _path;
    private readonly Action<string> _fsync;
    private readonly Lock _gate = new();
    // Set to wake the thread; it waits without spinning (spinCount 0): a SemaphoreSlim.Wait spins and yields before it
    // blocks, and on one core each yield hands the core away from the thread that is about to wake this one
    // (docs/benchmarks.md, "Hand-offs on the durable write path").
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private readonly Thread _thread;
    private volatile bool _stopping;

    // Guarded by _gate.
    private long _committed;
    private long _synced;
    private long _roundTarget;
    private bool _roundRunning;
    private bool _nextWanted;
    private TaskCompletionSource _round = NewRound();
    private TaskCompletionSource _next = NewRound();
    private Exception? _failed;
    private long _fsyncs;

    /// <param name="walPath">The WAL file (<c>candor.db-wal</c>).</param>
    /// <param name="fsync">The fsync of a path (tests replace it); by default <see cref="FsyncFile"/>.</param>
    public WalSync(string walPath, Action<string>? fsync = null)
    {
        _path = walPath;
        _fsync = fsync ?? FsyncFile;
        _thread = new Thread(Run) { IsBackground = true, Name = "candor-wal-sync" };
        _thread.Start();
    }

    /// <summary>Completed fsyncs (for tests and diagnostics).</summary>
    public long Fsyncs
    {
        get
        {
            lock (_gate)
            {
                return _fsyncs;
            }
        }
    }

    /// <summary>Records a commit of the writer (call under the writer's lock, after the commit returned); returns its
    /// sequence number for <see cref="SyncAsync"/>.</summary>
    public long Committed()
    {
        lock (_gate)
        {
            return ++_committed;
        }
    }

    /// <summary>Completes once an fsync that began after commit <paramref name="commit"/> has finished; faults when an
    /// fsync failed (that one or any before it).</summary>
    public Task SyncAsync(long commit)
    {
        bool wake = false;
        Task task;
        lock (_gate)
        {
            if (_failed is { } failed)
            {
                return Task.FromException(failed);
            }

            if (_synced >= commit)
            {
                return Task.CompletedTask;
            }

            if (_roundRunning && _roundTarget >= commit)
            {
                return _round.Task;
            }

            task = _next.Task;
            if (!_nextWanted)
            {
                _nextWanted = true;
                wake = !_roundRunning;
            }
        }

        if (wake)
        {
            Wake();
        }

        return task;
    }

    // A volatile write when the event is set already; a pulse of the waiting thread otherwise.
    private void Wake() => _wake.Set();

    private void Run()
    {
        while (!_stopping)
        {
            _wake.Wait();
            // Reset before looking at the state: a waiter that arrives after the look sets the event again.
            _wake.Reset();
            while (true)
            {
                TaskCompletionSource round;
                long target;
                lock (_gate)
                {
                    if (!_nextWanted)
                    {
                        _roundRunning = false;
                        break;
                    }

                    // This round covers every commit so far; waiters arriving from now on wait for the next one.
                    round = _round = _next;
                    _next = NewRound();
                    target = _roundTarget = _committed;
                    _nextWanted = false;
                    _roundRunning = true;
                }

                Exception? error = null;
                try
                {
                    _fsync(_path);
                }
#pragma warning disable CA1031 // Every failure goes to the waiters (and to every later one).
                catch (Exception e)
#pragma warning restore CA1031
                {
                    error = new IOException($"{_path}: an fsync of the WAL failed; no later commit can be promised durable until Candor restarts ({e.GetType().Name}: {e.Message})", e);
                }

                lock (_gate)
                {
                    _fsyncs++;
                    if (error is null)
                    {
                        _synced = target;
                    }
                    else
                    {
                        _failed ??= error;
                    }
                }

                if (error is null)
                {
                    round.TrySetResult();
                }
                else
                {
                    round.TrySetException(error);
                    TaskCompletionSource next;
                    lock (_gate)
                    {
                        next = _next;
                    }

                    next.TrySetException(error);
                }
            }
        }
    }

    /// <summary>fsync of <paramref name="path"/> through a handle of its own (fsync flushes the file, whichever
    /// descriptor names it). A missing file held nothing unsynced (see the remarks of <see cref="WalSync"/>).</summary>
    public static void FsyncFile(string path)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            return;
        }

        using (handle)
        {
            RandomAccess.FlushToDisk(handle);
        }
    }

    private static TaskCompletionSource NewRound() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Runs a last fsync for the commits waiting for one, then stops the thread; later waits fail.</summary>
    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        Wake();
        _thread.Join(TimeSpan.FromSeconds(30));
        var closed = new ObjectDisposedException(nameof(WalSync));
        lock (_gate)
        {
            _failed ??= closed;
            _next.TrySetException(closed);
        }

        // _wake stays undisposed, as the semaphore before it: a waiter racing the stop may still set it, and an event
        // whose wait handle was never asked for holds no handle.
    }
}
