using System.Data.Common;
using Candor.Storage.Sqlite;

namespace Candor.Storage.Relational;

/// <summary>One database behind the store, whatever the engine: pooled connections for reads (one per operation), a
/// single writer at a time per process on one long-lived connection with its prepared statements, and the schema
/// migrations (one list, <see cref="Migrations"/>, for every engine). An engine supplies how to connect and how its
/// transactions begin (<see cref="SqliteDatabase"/>, <see cref="Postgres.PostgresDatabase"/>).</summary>
internal abstract class StoreDatabase : IDisposable
{
    // One writer per process: SQLite allows one anyway, and on PostgreSQL it keeps the group commit's batching (the
    // writers of other nodes are ordered by PostgreSQL's row locks; docs/scale-out.md).
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    // The writer's connection (opened at the first write, kept while writes succeed; guarded by _writeLock) and its
    // prepared statements by SQL text: the group-commit writers run the same few statements for every item, and a
    // command created per item would parse its SQL every time.
    private DbConnection? _writer;
    private readonly Dictionary<string, DbCommand> _prepared = new(StringComparer.Ordinal);
    private int _disposed;

    /// <summary>Where the data is, for messages: the file's path, or the PostgreSQL host and database (never a password).</summary>
    public abstract string Path { get; }

    /// <summary>Opens a pooled connection with Candor's per-connection settings.</summary>
    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Begins the transaction of a write, taking whatever lock the engine needs up front.</summary>
    protected abstract ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Begins a read transaction whose queries see one snapshot.</summary>
    protected abstract ValueTask<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Runs once before the migrations, outside their transaction (SQLite turns on its WAL journal).</summary>
    protected virtual Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The first statement of the migration transaction: a lock that makes concurrent starts of several
    /// processes apply the migrations one after the other (null when the write transaction already excludes them).</summary>
    protected virtual string? MigrationLock => null;

    /// <summary>A query listing the store's tables (one column: the name) in the order they were created, so that a table
    /// is listed after every table it references (<see cref="StoreCopy"/>).</summary>
    public abstract string ListTablesSql { get; }

    /// <summary>What this engine runs of <paramref name="migration"/> after its portable SQL, in the same transaction
    /// (SQLite: <see cref="Migrations.Migration.SqliteOnly"/>). Null: nothing.</summary>
    protected virtual string? EngineSql(Migrations.Migration migration) => null;

    /// <summary>Run at the end of the migration transaction of every open (under <see cref="MigrationLock"/>): objects the
    /// engine keeps outside the portable schema (PostgreSQL's change-notification trigger). Null: none.</summary>
    protected virtual string? AfterMigrations => null;

    /// <summary>True when the group-commit writers send a batch's statements together (<c>DbBatch</c>, one round trip for
    /// many statements) before falling back to item by item: worth it where each statement is a network round trip
    /// (PostgreSQL), not for an embedded engine.</summary>
    public virtual bool WritesGroups => false;

    /// <summary>Releases the engine's pooled connections.</summary>
    protected abstract void ClearPool();

    /// <summary>Makes deleted content unrecoverable from the engine's files where it can (SQLite: a WAL checkpoint
    /// that truncates the WAL). True when done.</summary>
    public virtual Task<bool> CheckpointTruncateAsync(CancellationToken cancellationToken) => Task.FromResult(true);


    /// <summary>Run once on the writer's connection when it opens (null: nothing).</summary>
    protected virtual string? WriterSetupSql => null;

    /// <summary>Called after each commit of the writer, under its lock (keep it cheap): returns a task that completes when
    /// the commit is durable — at once by default (the engine's commit is); SQLite's writer commits without an fsync and
    /// syncs its WAL beside the writer (<see cref="Sqlite.WalSync"/>). With <paramref name="deferSync"/> the caller does
    /// not wait for durability (a later durable commit covers this one).</summary>
    protected virtual Task Committed(bool deferSync) => Task.CompletedTask;

    /// <summary>Runs <paramref name="work"/> while no write of this process runs: it holds the writer's lock, not its
    /// connection (SQLite's checkpointer finishes a checkpoint there, so that the WAL can start again from its beginning).</summary>
    public async Task<T> WhileNoWriteAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await work().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<DbConnection> OpenWriterAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        if (WriterSetupSql is { } sql)
        {
            try
            {
                using var setup = Command(connection, null, sql);
                await setup.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        return connection;
    }

    /// <summary>Runs <paramref name="work"/> in a write transaction and commits when it returns.</summary>
    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        WriteAsync(work, deferSync: false, cancellationToken);

    /// <summary>Runs <paramref name="work"/> in a write transaction and commits when it returns; the task completes when
    /// the commit is durable. With <paramref name="deferSync"/> it completes at the commit: on SQLite the commit then
    /// survives a crash of the process at once and a power loss with the next durable commit or checkpoint
    /// (docs/fail-closed.md, "Crash"); elsewhere it is an ordinary write.</summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, bool deferSync, CancellationToken cancellationToken)
    {
        var (result, durable) = await CommitAsync(work, deferSync, cancellationToken).ConfigureAwait(false);
        await durable.ConfigureAwait(false);
        return result;
    }

    /// <summary>Runs <paramref name="work"/> in a write transaction and commits when it returns; returns once committed,
    /// with a task that completes when the commit is durable (see <see cref="WriteAsync{T}(Func{DbConnection, DbTransaction, Task{T}}, bool, CancellationToken)"/>),
    /// so that a group-commit writer can go on to its next transaction while this one is synced.</summary>
    public async Task<(T Result, Task Durable)> CommitAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, bool deferSync, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = _writer ??= await OpenWriterAsync(cancellationToken).ConfigureAwait(false);
            T result;
            var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                result = await work(connection, transaction).ConfigureAwait(false);
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            }

            return (result, Committed(deferSync));
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
    /// <paramref name="transaction"/>, with no parameters: only inside
    /// <see cref="WriteAsync{T}(Func{DbConnection, DbTransaction, Task{T}}, bool, CancellationToken)"/>, and not to be
    /// disposed (the database owns it). Add the parameters, execute; the next caller clears them.</summary>
    public DbCommand Prepared(DbConnection connection, DbTransaction transaction, string sql)
    {
        if (!ReferenceEquals(connection, _writer))
        {
            throw new InvalidOperationException("Prepared statements belong to the writer's connection (inside WriteAsync).");
        }

        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = CreatePrepared(connection, sql);
            _prepared[sql] = command;
        }

        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    /// <summary>Creates the writer's prepared statement for <paramref name="sql"/> (<see cref="Prepared"/>): an ordinary
    /// command by default; SQLite compiles it once and binds by position (<see cref="SqliteWriterCommand"/>).</summary>
    protected virtual DbCommand CreatePrepared(DbConnection connection, string sql) => Command(connection, null, sql);

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
    public async Task<T> ReadAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await BeginReadAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                return await work(connection, transaction).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Applies the pending migrations of <see cref="Migrations.All"/> in one transaction. Returns how many
    /// were applied: 0 on an up-to-date database.</summary>
    public async Task<int> MigrateAsync(TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        await PrepareAsync(cancellationToken).ConfigureAwait(false);
        return await WriteAsync(async (c, tx) =>
        {
            if (MigrationLock is { } lockSql)
            {
                using var take = Command(c, tx, lockSql);
                await take.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

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

                if (EngineSql(migration) is { } engineOnly)
                {
                    using var applyEngine = Command(c, tx, engineOnly);
                    await applyEngine.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                using var record = Command(c, tx, Migrations.InsertVersion)
                    .Add("@version", migration.Version)
                    .Add("@name", migration.Name)
                    .Add("@applied_at", timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                count++;
            }

            if (AfterMigrations is { } engineSql)
            {
                using var engine = Command(c, tx, engineSql);
                await engine.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return count;
        }, cancellationToken).ConfigureAwait(false);
    }

    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    /// <summary>Stops what the engine runs in the background (SQLite's checkpointer) before the connections are released.</summary>
    protected virtual void StopBackgroundWork()
    {
    }

    /// <summary>Releases the pooled connections, so the file can be moved or deleted.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        StopBackgroundWork();

        // A write still running after 30 s keeps its connection; the pool clearing below still releases the rest.
        if (_writeLock.Wait(TimeSpan.FromSeconds(30)))
        {
            CloseWriter();
        }

        ClearPool();
        _writeLock.Dispose();
    }
}
