using System.Data.Common;
using Candor.Storage.Relational;
using Microsoft.Data.Sqlite;

namespace Candor.Storage.Sqlite;

/// <summary>One SQLite database file (<see cref="StoreDatabase"/>). Reads run concurrently with the writer thanks to
/// the WAL journal. SQLite allows one writer; queuing writers in the process (rather than on SQLITE_BUSY retries) keeps
/// latency even. Other processes on the same file are still serialized by BEGIN IMMEDIATE and the busy timeout.</summary>
internal sealed class SqliteDatabase : StoreDatabase
{
    private readonly string _connectionString;

    // Created and nudged under the writer's lock (Committed); stopped before the connections are released.
    private WalCheckpointer? _checkpointer;
    private WalSync? _sync;
    private volatile bool _stopped;

    public SqliteDatabase(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            ForeignKeys = true,
            // Microsoft.Data.Sqlite retries a busy statement until this timeout: bounded like busy_timeout below.
            DefaultTimeout = (int)Candor.Core.Admission.StoreHealth.BusyTimeout.TotalSeconds,
        }.ToString();
    }

    /// <inheritdoc/>
    public override string Path { get; }

    /// <inheritdoc/>
    protected override string? EngineSql(Migrations.Migration migration) => migration.SqliteOnly;

    /// <inheritdoc/>
    public override string ListTablesSql => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY rowid";

    // A lock held by another process (a backup, an sqlite3 shell) makes a write wait this long, then fail: shorter
    // than the wait of a request for its settlement or receipt (StoreHealth.WriteTimeout), so the request gets a clean
    // failure instead of a write that commits after it gave up (docs/fail-closed.md).
    private static readonly string BusyPragmas = string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"PRAGMA synchronous = FULL; PRAGMA busy_timeout = {(int)Candor.Core.Admission.StoreHealth.BusyTimeout.TotalMilliseconds}; PRAGMA secure_delete = ON; PRAGMA temp_store = DEFAULT; PRAGMA wal_autocheckpoint = 1000;");

    /// <inheritdoc/>
    /// <remarks>temp_store=MEMORY keeps the statement journal of each group-committed item's savepoint in memory: on the
    /// default (a file) it spilled past 64 KB to a deleted file in /var/tmp, about 42 writes per request under load with
    /// every feature on (docs/benchmarks.md, "Durable writes per request"). The writer's transactions are bounded
    /// (at most 512 items), so their journals are too. Readers keep the default (every open sets it back: a pooled
    /// connection may have been the writer's), so a large sort of a read still spills to a file. synchronous=NORMAL: the
    /// writer's commits do not fsync; <see cref="WalSync"/> syncs the WAL beside the writer and releases each durable write after an fsync that
    /// followed its commit (every other connection keeps FULL). wal_autocheckpoint: the writer checkpoints by itself only
    /// as a backstop, <see cref="WalCheckpointer"/> does it in the background; every other connection keeps SQLite's
    /// default (1,000 pages; every open sets it back too).</remarks>
    protected override string? WriterSetupSql { get; } = string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = {WalCheckpointer.BackstopPages}; PRAGMA synchronous = NORMAL");

    /// <summary>How long after a commit the background checkpoint runs (<see cref="WalCheckpointer"/>).</summary>
    public TimeSpan CheckpointInterval { get; init; } = WalCheckpointer.DefaultInterval;

    /// <summary>The background checkpointer, started by the first commit (null before it).</summary>
    internal WalCheckpointer? Checkpointer => _checkpointer;

    /// <summary>The WAL's fsyncs beside the writer, started by the first commit (null before it).</summary>
    internal WalSync? Sync => _sync;

    /// <summary>Replaces the fsync of the WAL (tests: an fsync that waits or fails); before the first commit only.</summary>
    internal Action<string>? FsyncOverride { get; init; }

    /// <inheritdoc/>
    protected override Task Committed(bool deferSync)
    {
        if (_stopped)
        {
            return deferSync ? Task.CompletedTask : Task.FromException(new ObjectDisposedException(Path));
        }

        (_checkpointer ??= new WalCheckpointer(this, CheckpointInterval)).Nudge();
        var sync = _sync ??= new WalSync(Path + "-wal", FsyncOverride);
        long commit = sync.Committed();
        return deferSync ? Task.CompletedTask : sync.SyncAsync(commit);
    }

    /// <inheritdoc/>
    protected override void StopBackgroundWork()
    {
        _stopped = true;
        _checkpointer?.Dispose();
        _sync?.Dispose();
    }

    /// <summary>Opens a pooled connection with Candor's per-connection settings. SQLite-specific: synchronous=FULL
    /// makes every commit fsync the WAL, so a committed usage record survives a crash of the process or the
    /// machine (the writer's connection then commits with NORMAL and is synced by <see cref="WalSync"/>, as durable);
    /// busy_timeout makes a writer in another process wait (a bounded time) instead of failing; secure_delete overwrites
    /// deleted content with zeros, so an erased history data key does not linger in free pages.</summary>
    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var pragma = connection.CreateCommand();
            pragma.CommandText = BusyPragmas;
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    /// <remarks>A single statement runs with SQLite's own calls and binds its parameters by position
    /// (<see cref="SqliteWriterCommand"/>); SQL of several statements keeps Microsoft.Data.Sqlite's command.</remarks>
    protected override DbCommand CreatePrepared(DbConnection connection, string sql) =>
        SqliteWriterCommand.TryCreate((SqliteConnection)connection, sql) ?? base.CreatePrepared(connection, sql);

    /// <inheritdoc/>
    /// <remarks>BEGIN IMMEDIATE: the write lock is taken at the start, so the transaction never fails half-way for want of it.</remarks>
    protected override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    /// <inheritdoc/>
    protected override ValueTask<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true));

    /// <summary>The page size of a new database file. A signed receipt of about 2.2 KB fills a 4 KB page alone (two never
    /// fit); three share an 8 KB page, so the file grows about 28 % less per request with no more bytes written. 16 KB pages
    /// store less still but write more: every group commit rewrites the last page of each table and index it touches
    /// (docs/benchmarks.md, "Bytes written per settlement").</summary>
    public const int NewPageSize = 8192;

    /// <summary>Gives a new database file its page size and turns on the WAL journal (SQLite-specific; both are properties of
    /// the file and persist). An existing database keeps its page size: in WAL mode the pragma changes nothing, and Candor
    /// runs no VACUUM at start.</summary>
    protected override async Task PrepareAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using (var pageSize = Command(connection, null, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"PRAGMA page_size = {NewPageSize}")))
            {
                await pageSize.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            using var wal = Command(connection, null, "PRAGMA journal_mode = WAL");
            string? mode = (string?)await wal.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"{Path}: the WAL journal mode could not be enabled (got '{mode}').");
            }
        }
    }

    /// <summary>Copies the WAL into the database file and truncates the WAL to zero bytes (retrying while readers
    /// hold it), so content deleted with secure_delete no longer survives in old WAL frames. True when done.</summary>
    public override async Task<bool> CheckpointTruncateAsync(CancellationToken cancellationToken)
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                using var checkpoint = Command(connection, null, "PRAGMA wal_checkpoint(TRUNCATE)");
                using var reader = await checkpoint.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && reader.GetInt64(0) == 0)
                {
                    return true;
                }
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    /// <inheritdoc/>
    protected override void ClearPool()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }
}
