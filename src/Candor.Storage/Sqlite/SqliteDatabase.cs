using Microsoft.Data.Sqlite;

namespace Candor.Storage.Sqlite;

/// <summary>One SQLite database file: pooled connections for reads (one per operation), a single writer at a time
/// on one long-lived connection with its prepared statements, and the schema migrations. Reads run concurrently
/// with the writer thanks to the WAL journal.</summary>
internal sealed class SqliteDatabase : IDisposable
{
    // SQLite allows one writer; queuing writers here (rather than on SQLITE_BUSY retries) keeps latency even.
    // Other processes on the same file are still serialized by BEGIN IMMEDIATE and the busy timeout.
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly string _connectionString;

    // The writer's connection (opened at the first write, kept while writes succeed; guarded by _writeLock) and its
    // prepared statements by SQL text: the group-commit writers run the same few statements for every item, and a
    // command created per item would parse its SQL every time.
    private SqliteConnection? _writer;
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);
    private int _disposed;

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

    public string Path { get; }

    // A lock held by another process (a backup, an sqlite3 shell) makes a write wait this long, then fail: shorter
    // than the wait of a request for its settlement or receipt (StoreHealth.WriteTimeout), so the request gets a clean
    // failure instead of a write that commits after it gave up (docs/fail-closed.md).
    private static readonly string BusyPragmas = string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"PRAGMA synchronous = FULL; PRAGMA busy_timeout = {(int)Candor.Core.Admission.StoreHealth.BusyTimeout.TotalMilliseconds}; PRAGMA secure_delete = ON;");

    /// <summary>Opens a pooled connection with Candor's per-connection settings. SQLite-specific: synchronous=FULL
    /// makes every commit fsync the WAL, so a committed usage record survives a crash of the process or the
    /// machine; busy_timeout makes a writer in another process wait (a bounded time) instead of failing; secure_delete overwrites
    /// deleted content with zeros, so an erased history data key does not linger in free pages.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
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

    /// <summary>Runs <paramref name="work"/> in a write transaction (BEGIN IMMEDIATE: the write lock is taken at
    /// the start, so the transaction never fails half-way for want of it) and commits when it returns.</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = _writer ??= await OpenAsync(cancellationToken).ConfigureAwait(false);
            var transaction = connection.BeginTransaction(deferred: false);
            await using (transaction.ConfigureAwait(false))
            {
                T result = await work(connection, transaction).ConfigureAwait(false);
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                return result;
            }
        }
        catch
        {
            // The transaction is rolled back; a connection that failed is not trusted for the next write.
            CloseWriter();
            throw;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>A prepared statement of the writer's connection for <paramref name="sql"/>, bound to
    /// <paramref name="transaction"/>, with no parameters: only inside <see cref="WriteAsync"/>, and not to be
    /// disposed (the database owns it). Add the parameters, execute; the next caller clears them.</summary>
    public SqliteCommand Prepared(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        if (!ReferenceEquals(connection, _writer))
        {
            throw new InvalidOperationException("Prepared statements belong to the writer's connection (inside WriteAsync).");
        }

        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = Command(connection, transaction, sql);
            _prepared[sql] = command;
        }

        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    private void CloseWriter()
    {
        foreach (var command in _prepared.Values)
        {
            command.Dispose();
        }

        _prepared.Clear();
        _writer?.Dispose();
        _writer = null;
    }

    /// <summary>Runs <paramref name="work"/> in a read transaction, so its several queries see one snapshot.</summary>
    public async Task<T> ReadAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = connection.BeginTransaction(deferred: true);
            await using (transaction.ConfigureAwait(false))
            {
                return await work(connection, transaction).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Turns on the WAL journal (SQLite-specific; it is a property of the file and persists) and applies
    /// the pending migrations in one transaction. Returns how many were applied: 0 on an up-to-date database.</summary>
    public async Task<int> MigrateAsync(TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var wal = Command(connection, null, "PRAGMA journal_mode = WAL");
            string? mode = (string?)await wal.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"{Path}: the WAL journal mode could not be enabled (got '{mode}').");
            }
        }

        return await WriteAsync(async (c, tx) =>
        {
            using (var create = Command(c, tx, Migrations.CreateVersionTable))
            {
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var applied = new HashSet<int>();
            using (var select = Command(c, tx, Migrations.SelectAppliedVersions))
            {
                using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    applied.Add(reader.GetInt32(0));
                }
            }

            int newest = Migrations.All[^1].Version;
            if (applied.Count > 0 && applied.Max() > newest)
            {
                throw new InvalidOperationException($"{Path} has schema version {applied.Max()}, newer than this Candor knows ({newest}); upgrade Candor.");
            }

            int count = 0;
            foreach (var migration in Migrations.All)
            {
                if (applied.Contains(migration.Version))
                {
                    continue;
                }

                using (var apply = Command(c, tx, migration.Sql))
                {
                    await apply.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                using var record = Command(c, tx, Migrations.InsertVersion)
                    .Add("@version", migration.Version)
                    .Add("@name", migration.Name)
                    .Add("@applied_at", timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                count++;
            }

            return count;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies the WAL into the database file and truncates the WAL to zero bytes (retrying while readers
    /// hold it), so content deleted with secure_delete no longer survives in old WAL frames. True when done.</summary>
    public async Task<bool> CheckpointTruncateAsync(CancellationToken cancellationToken)
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

    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    /// <summary>Releases the pooled connections, so the file can be moved or deleted.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // A write still running after 30 s keeps its connection; the pool clearing below still releases the rest.
        if (_writeLock.Wait(TimeSpan.FromSeconds(30)))
        {
            CloseWriter();
        }

        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        _writeLock.Dispose();
    }
}
