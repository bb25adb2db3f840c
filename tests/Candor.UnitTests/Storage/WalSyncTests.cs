using System.Data.Common;
using Candor.Storage.Sqlite;

namespace Candor.UnitTests.Storage;

/// <summary>The writer's commits are made durable by fsyncs of the WAL beside the writer (<see cref="WalSync"/>): a durable
/// write completes only after an fsync that began after its commit, the writer commits the next transaction while an
/// fsync runs, a deferred write waits for none, and a failed fsync fails its writers and every later one. The fsync is
/// replaced by one the test holds or fails.</summary>
public sealed class WalSyncTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan Timeout = TempStore.Timeout;

    private readonly string _directory = Directory.CreateTempSubdirectory("candor-walsync-").FullName;
    private readonly HeldFsync _fsync = new();

    [Fact]
    public async Task DurableWrite_CompletesOnlyAfterAnFsyncThatBeganAfterItsCommit()
    {
        using var db = await OpenAsync();
        _fsync.Hold();

        var (_, durable) = await db.CommitAsync((c, tx) => InsertAsync(c, tx, 1), deferSync: false, None).WaitAsync(Timeout);
        await _fsync.StartedAsync(1);
        await Task.Delay(50);
        Assert.False(durable.IsCompleted);
        Assert.Equal(1L, await CountAsync(db)); // committed (visible), not yet durable

        _fsync.Release();
        await durable.WaitAsync(Timeout);
        Assert.Equal(1, _fsync.Completed);
    }

    [Fact]
    public async Task WriterGoesOn_WhileTheWalIsSynced_AndTheNextFsyncCoversTheLaterCommit()
    {
        using var db = await OpenAsync();
        _fsync.Hold();

        var (_, first) = await db.CommitAsync((c, tx) => InsertAsync(c, tx, 1), deferSync: false, None).WaitAsync(Timeout);
        await _fsync.StartedAsync(1);

        // The fsync for the first commit is running: the writer commits the second anyway.
        var (_, second) = await db.CommitAsync((c, tx) => InsertAsync(c, tx, 2), deferSync: false, None).WaitAsync(Timeout);
        Assert.Equal(2L, await CountAsync(db));

        _fsync.Release();
        await first.WaitAsync(Timeout);
        await second.WaitAsync(Timeout);

        // The first fsync began before the second commit: a second fsync covered it.
        Assert.Equal(2, _fsync.Completed);
    }

    [Fact]
    public async Task DeferredWrite_WaitsForNoFsync()
    {
        using var db = await OpenAsync();
        _fsync.Hold();

        Assert.Equal(1, await db.WriteAsync((c, tx) => InsertAsync(c, tx, 1), deferSync: true, None).WaitAsync(Timeout));
        Assert.Equal(0, _fsync.Started);
        _fsync.Release();
    }

    [Fact]
    public async Task FailedFsync_FailsItsWrites_AndEveryLaterOne()
    {
        using var db = await OpenAsync();
        _fsync.FailNext = true;

        await Assert.ThrowsAsync<IOException>(() => db.WriteAsync((c, tx) => InsertAsync(c, tx, 1), None).WaitAsync(Timeout));

        // The fsync works again, but the WAL may have lost pages written before the failure: no later write is durable.
        var later = await Assert.ThrowsAsync<IOException>(() => db.WriteAsync((c, tx) => InsertAsync(c, tx, 2), None).WaitAsync(Timeout));
        Assert.Contains("until Candor restarts", later.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RealFsync_OfTheWal_MakesWritesComplete()
    {
        using var db = new SqliteDatabase(Path.Combine(_directory, "real.db"));
        await db.MigrateAsync(TimeProvider.System, None).WaitAsync(Timeout);
        await db.WriteAsync((c, tx) => ExecuteAsync(c, tx, "CREATE TABLE t (id INTEGER PRIMARY KEY)"), None).WaitAsync(Timeout);
        await db.WriteAsync((c, tx) => InsertAsync(c, tx, 1), None).WaitAsync(Timeout);
        Assert.True(db.Sync!.Fsyncs >= 1);
        Assert.True(File.Exists(Path.Combine(_directory, "real.db-wal")));
    }

    [Fact]
    public void FsyncOfAMissingWal_IsNothingToSync()
    {
        WalSync.FsyncFile(Path.Combine(_directory, "none.db-wal"));
    }

    private async Task<SqliteDatabase> OpenAsync()
    {
        var db = new SqliteDatabase(Path.Combine(_directory, "candor.db")) { FsyncOverride = _fsync.Run, CheckpointInterval = TimeSpan.FromHours(1) };
        await db.MigrateAsync(TimeProvider.System, None).WaitAsync(Timeout);
        await db.WriteAsync((c, tx) => ExecuteAsync(c, tx, "CREATE TABLE t (id INTEGER PRIMARY KEY)"), None).WaitAsync(Timeout);
        return db;
    }

    private static Task<int> InsertAsync(DbConnection c, DbTransaction tx, int id) =>
        ExecuteAsync(c, tx, "INSERT INTO t (id) VALUES (" + id.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")");

    private static async Task<int> ExecuteAsync(DbConnection c, DbTransaction tx, string sql)
    {
        using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync(None);
    }

    private static async Task<long> CountAsync(SqliteDatabase db)
    {
        var connection = await db.OpenAsync(None);
        await using (connection)
        {
            using var count = connection.CreateCommand();
            count.CommandText = "SELECT COUNT(*) FROM t";
            return (long)(await count.ExecuteScalarAsync(None))!;
        }
    }

    public void Dispose()
    {
        _fsync.Release();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>An fsync the test can hold (it blocks until released) or fail once; counts starts and completions.</summary>
    private sealed class HeldFsync
    {
        private readonly object _gate = new();
        private ManualResetEventSlim _open = new(true);
        private int _started;
        private int _completed;

        public bool FailNext { get; set; }

        public int Started => Volatile.Read(ref _started);

        public int Completed => Volatile.Read(ref _completed);

        public void Hold()
        {
            lock (_gate)
            {
                _open = new ManualResetEventSlim(false);
                _started = 0;
                _completed = 0;
            }
        }

        public void Release()
        {
            lock (_gate)
            {
                _open.Set();
            }
        }

        public void Run(string path)
        {
            ManualResetEventSlim open;
            lock (_gate)
            {
                open = _open;
            }

            Interlocked.Increment(ref _started);
            open.Wait(Timeout);
            if (FailNext)
            {
                FailNext = false;
                throw new IOException("injected fsync failure");
            }

            Interlocked.Increment(ref _completed);
        }

        public async Task StartedAsync(int count)
        {
            using var cts = new CancellationTokenSource(Timeout);
            while (Started < count)
            {
                await Task.Delay(5, cts.Token);
            }
        }
    }
}
