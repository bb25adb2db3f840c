using System.Data;
using System.Data.Common;
using System.Globalization;
using Candor.Core.Admission;
using Candor.Storage.Relational;
using Npgsql;

namespace Candor.Storage.Postgres;

/// <summary>One PostgreSQL database (<see cref="StoreDatabase"/>), shared by every Candor node of an installation.
/// Writes run in READ COMMITTED transactions whose balance and spend changes are single atomic UPDATEs, so writers on
/// other nodes serialize on the rows they touch; reads run in REPEATABLE READ, so their several queries see one
/// snapshot. See docs/scale-out.md.</summary>
internal sealed class PostgresDatabase : StoreDatabase
{
    // Any constant works as long as every node uses the same one: concurrent starts apply the migrations in turn.
    private const long MigrationLockId = 0x43414E444F52; // "CANDOR"

    /// <summary>The notification channel of store changes: the payload is <c>schema:counter</c>.</summary>
    public const string ChangeChannel = "candor_changes";

    /// <summary>How often the listener's idle connection is checked.</summary>
    public static readonly TimeSpan ListenerKeepAlive = TimeSpan.FromSeconds(5);

    private readonly NpgsqlDataSource _source;
    private readonly string _listenerConnectionString;

    /// <param name="connectionString">An Npgsql connection string (<c>Host=…;Username=…;Database=…</c>).</param>
    /// <param name="password">Used when the connection string holds no password (from <see cref="PostgresEnvironment.PasswordVariable"/>).</param>
    public PostgresDatabase(string connectionString, string? password)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(builder.Password) && !string.IsNullOrEmpty(password))
        {
            builder.Password = password;
        }

        // synchronous_commit=on: a committed settlement is in PostgreSQL's WAL on disk, as with SQLite's synchronous=FULL.
        // lock_timeout: a row lock held elsewhere (another node, a maintenance session) fails the write within the time
        // a request waits for it (StoreHealth.WriteTimeout), as SQLite's busy_timeout does (docs/fail-closed.md).
        builder.Options = string.Create(CultureInfo.InvariantCulture,
            $"{builder.Options} -c synchronous_commit=on -c lock_timeout={(int)StoreHealth.BusyTimeout.TotalMilliseconds}").Trim();
        builder.Timeout = Math.Max(builder.Timeout, (int)StoreHealth.BusyTimeout.TotalSeconds);

        Path = string.Create(CultureInfo.InvariantCulture, $"postgresql://{builder.Host}:{builder.Port}/{builder.Database}");
        _source = NpgsqlDataSource.Create(builder);

        // The change listener's own connection: outside the pool (it is held for the node's life), with keepalives so that
        // a database that vanished without closing the socket is noticed within seconds.
        _listenerConnectionString = new NpgsqlConnectionStringBuilder(builder.ConnectionString)
        {
            Pooling = false,
            KeepAlive = (int)ListenerKeepAlive.TotalSeconds,
        }.ConnectionString;
    }

    /// <summary>A new connection for <c>LISTEN</c>, not from the pool.</summary>
    public NpgsqlConnection CreateListenerConnection() => new(_listenerConnectionString);

    /// <summary>Every update of a counter (<c>counters</c>: one per kind of change every node must see) notifies
    /// <see cref="ChangeChannel"/> with the schema and the counter's name; PostgreSQL delivers it when the change's
    /// transaction commits, and never for one that rolls back. Created (or replaced) at every open, in the schema the
    /// store uses. Also at every open: receipts' log indexes in <c>receipt_leaves</c> (where SQLite keeps them; only a
    /// copy from SQLite brings rows there) are folded into <c>receipts.leaf_index</c>, where PostgreSQL keeps them (its
    /// shared log sequences the receipts in place), so that no receipt copied with an index is taken as unlogged.</summary>
    protected override string? AfterMigrations { get; } = $$"""
        DO $leaves$
        BEGIN
            IF EXISTS (SELECT 1 FROM receipt_leaves) THEN
                UPDATE receipts SET leaf_index = l.leaf_index FROM receipt_leaves l WHERE receipts.id = l.receipt_id AND receipts.leaf_index IS NULL;
                DELETE FROM receipt_leaves;
            END IF;
            DELETE FROM receipt_log_holes;
        END $leaves$;
        CREATE OR REPLACE FUNCTION candor_counter_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            PERFORM pg_notify('{{ChangeChannel}}', TG_TABLE_SCHEMA || ':' || NEW.name);
            RETURN NULL;
        END $fn$;
        DO $do$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'candor_counter_changed' AND tgrelid = 'counters'::regclass) THEN
                CREATE TRIGGER candor_counter_changed AFTER UPDATE ON counters FOR EACH ROW EXECUTE FUNCTION candor_counter_changed();
            END IF;
        END $do$
        """;

    /// <inheritdoc/>
    public override string Path { get; }

    /// <inheritdoc/>
    public override bool WritesGroups => true;

    /// <inheritdoc/>
    public override string ListTablesSql =>
        "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r' ORDER BY oid";

    /// <inheritdoc/>
    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    protected override async ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    protected override async ValueTask<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    protected override string? MigrationLock { get; } = string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({MigrationLockId})");

    /// <summary>Refuses a database whose collation is not bytewise: ids are compared and paged as SQLite compares them
    /// (ordinal), and a linguistic collation would order them differently.</summary>
    protected override async Task PrepareAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var select = Command(connection, null, "SELECT datcollate FROM pg_database WHERE datname = current_database()");
            string collation = (string?)await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? "";
            if (collation is not ("C" or "POSIX") && !collation.StartsWith("C.", StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"{Path} has the collation '{collation}'; Candor needs a bytewise one: CREATE DATABASE … LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0 (docs/scale-out.md).");
            }
        }
    }

    /// <summary>True for a PostgreSQL error that is a failure of the database rather than of the input: the connection
    /// (08), resources such as a full disk (53), an operator's intervention such as a shutdown (57), a system I/O error
    /// (58), a lock not granted in time (55P03), a deadlock or serialization failure (40), a read-only standby (25006).</summary>
    public static bool IsUnavailable(PostgresException error) =>
        error.IsTransient
        || error.SqlState is "55P03" or "25006"
        || error.SqlState.StartsWith("08", StringComparison.Ordinal)
        || error.SqlState.StartsWith("40", StringComparison.Ordinal)
        || error.SqlState.StartsWith("53", StringComparison.Ordinal)
        || error.SqlState.StartsWith("57", StringComparison.Ordinal)
        || error.SqlState.StartsWith("58", StringComparison.Ordinal);

    /// <inheritdoc/>
    protected override void ClearPool() => _source.Dispose();
}
