using Candor.Core.Accounts;
using Candor.Core.Admission;
using System.Data.Common;
using Candor.Storage.Postgres;
using Candor.Storage.Relational;
using Candor.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Candor.Storage;

/// <summary>The store: accounts, keys, the ledger, the usage journal, receipts, channels, prices, privacy and
/// quarantines, on one relational database (<see cref="StoreDatabase"/>). Every statement and every migration is
/// shared by the engines: <see cref="SqliteStore"/> (embedded, the default) and <see cref="PostgresStore"/>
/// (several nodes). Thread-safe; one instance per process and database. See docs/storage.md and docs/scale-out.md.</summary>
internal abstract partial class RelationalStore : IAccountStore, IKeyStore, ILedgerStore, IDisposable
{
    private readonly StoreDatabase _db;
    private readonly KeyHasher _hasher;
    private readonly TimeProvider _time;
    private readonly GroupCommitWriter<(UsageRecord Usage, LedgerEntry? Charge, Candor.Core.Receipts.StoredReceipt? Receipt), bool> _settlements;
    private readonly GroupCommitWriter<AdmissionWrite, bool> _admissions;

    private protected RelationalStore(StoreDatabase db, KeyHasher hasher, TimeProvider time, bool shared)
    {
        _db = db;
        _hasher = hasher;
        _time = time;
        IsShared = shared;
        ReservesInStore = shared;
        _settlements = db.WritesGroups
            ? new(db, ApplySettlementAsync, SettlementOrder.Instance, WriteSettlementGroupAsync)
            : new(db, ApplySettlementAsync, SettlementOrder.Instance);
        // The admission record is for crash recovery: on SQLite its commit skips the fsync (it survives a killed process at
        // once, a power loss from the next settlement's synchronous commit on); PostgreSQL's reserves money across nodes
        // and stays synchronous (docs/fail-closed.md, "Crash").
        _admissions = db.WritesGroups
            ? new(db, ApplyAdmissionAsync, AdmissionWrite.Order, WriteAdmissionGroupAsync)
            : new(db, ApplyAdmissionAsync, AdmissionWrite.Order, deferSync: !shared);
    }

    /// <summary>True when several nodes may share the database (PostgreSQL): crash recovery then takes only the admissions
    /// of nodes whose lease expired (<see cref="NodeLease"/>), never a live node's.</summary>
    public bool IsShared { get; }

    /// <summary>True when money is reserved in the store at admission (<see cref="ILedgerStore.ReservesInStore"/>): on a
    /// shared database; SQLite keeps the node's reservations in memory (settable for tests of both engines).</summary>
    public bool ReservesInStore { get; internal set; }

    /// <summary>This process's id as a node of the installation: it owns the admissions it records. New at every start,
    /// unless the server claims the data directory's persistent id first (<see cref="TryClaimNodeAsync"/>: a node that
    /// restarts takes its previous run's admissions back at once instead of waiting for that run's lease to expire).</summary>
    public string NodeId { get; private set; } = EntityIds.New("node");

    /// <summary>This process among the holders of <see cref="NodeId"/> over time: its lease row carries it, so that a row
    /// taken by another process is never renewed or removed by this one.</summary>
    public string Instance { get; } = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));

    /// <summary>How many transactions have committed settlements (<see cref="RecordUsageAsync(UsageRecord, LedgerEntry?, Core.Receipts.StoredReceipt?, CancellationToken)"/>); concurrent
    /// settlements share one (group commit), so this grows slower than <see cref="SettlementsCommitted"/> under load.</summary>
    public long SettlementTransactions => _settlements.Transactions;

    /// <summary>How many settlements have been committed.</summary>
    public long SettlementsCommitted => _settlements.Items;

    /// <summary>How many admission and settlement batches were written at once (<see cref="StoreDatabase.WritesGroups"/>).</summary>
    internal long GroupWrites => _settlements.GroupWrites + _admissions.GroupWrites;

    /// <summary>How many admission and settlement batches were written item by item under savepoints, after the batch
    /// written whole declined or one of its items failed.</summary>
    internal long IsolatedBatches => _settlements.IsolatedBatches + _admissions.IsolatedBatches;

    /// <summary>The database, for tests that hold its write lock.</summary>
    internal StoreDatabase Database => _db;

    /// <summary>Where the data is: the database file's path, or the PostgreSQL host and database (never a password).</summary>
    public string DatabasePath => _db.Path;

    /// <summary>How many migrations this open applied (0 when the schema was already current).</summary>
    public int MigrationsApplied { get; private set; }

    /// <summary>Brings the schema up to date and checks the server secret: the second half of an engine's open.</summary>
    private protected async Task InitializeAsync(CancellationToken cancellationToken)
    {
        MigrationsApplied = await _db.MigrateAsync(_time, cancellationToken).ConfigureAwait(false);
        await CheckSecretAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records the secret's check value on first open and compares it on every later open: with another
    /// secret no stored key would resolve, so the store refuses to start instead.</summary>
    private Task CheckSecretAsync(CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            string check = _hasher.Hash(StoreMetaSql.SecretCheckInput);
            using (var insert = Command(c, tx, StoreMetaSql.InsertIfMissing).Add("@name", StoreMetaSql.SecretCheck).Add("@value", check))
            {
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            using var select = Command(c, tx, StoreMetaSql.Select).Add("@name", StoreMetaSql.SecretCheck);
            return await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string stored && stored == check
                ? true
                : throw new InvalidOperationException(
                    $"{_db.Path} was created with another server secret ({ServerSecret.FileName} or {ServerSecret.EnvironmentVariable}); its keys would not resolve.");
        }, cancellationToken);

    /// <summary>The store-health probe (<see cref="StoreHealth"/>): one small durable write, committed like a settlement.</summary>
    public Task ProbeWriteAsync(CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            var upsert = _db.Prepared(c, tx, StoreMetaSql.Upsert)
                .Add("@name", StoreMetaSql.WriteProbe)
                .Add("@value", _time.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>True for a failure of the store itself (a full disk, a lock held too long, an I/O error, a write that
    /// did not finish in time) rather than of the input: such a write is answered 503, never 500.</summary>
    public static bool IsUnavailable(Exception error) => error switch
    {
        SqliteException e => e.SqliteErrorCode is 5 or 6 or 7 or 8 or 10 or 13 or 14 or 15 or 26,
        DbException e => IsPostgresUnavailable(e),
        IOException or TimeoutException or ObjectDisposedException => true,
        _ => false,
    };

    /// <summary>The PostgreSQL half of <see cref="IsUnavailable"/>, never inlined: the JIT loads Npgsql to compile a
    /// method that names its types, and with the type tests inline Npgsql was loaded during every SQLite warm-up from a
    /// thread with no managed frame (the JIT's background tier-1 compiles, which inline <see cref="IsUnavailable"/> into
    /// the request path's exception filters); an embedded store has no use for it (docs/benchmarks.md, "Idle resident
    /// memory: what loads at start").</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static bool IsPostgresUnavailable(DbException error) => error switch
    {
        PostgresException e => PostgresDatabase.IsUnavailable(e),
        NpgsqlException => true, // the server could not be reached, or the connection broke
        _ => false,
    };

    /// <summary>Re-runs the migrations (a no-op on a current schema); returns how many were applied.</summary>
    internal Task<int> MigrateAsync(CancellationToken cancellationToken) => _db.MigrateAsync(_time, cancellationToken);

    /// <inheritdoc/>
    public void Dispose()
    {
        _receiptQueue.Writer.TryComplete();
        _receiptWriter?.Wait(TimeSpan.FromSeconds(30));
        _settlements.Dispose();
        _admissions.Dispose();
        _db.Dispose();
    }

    /// <summary>Now, at the millisecond precision the store keeps, so returned records equal stored ones.</summary>
    private DateTimeOffset Now() => DbValues.FromMillis(_time.GetUtcNow().ToUnixTimeMilliseconds());

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql) =>
        StoreDatabase.Command(connection, transaction, sql);

    private static async Task<List<T>> QueryAsync<T>(DbCommand command, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(read(reader));
        }

        return items;
    }

    private static async Task<T?> QuerySingleAsync<T>(DbCommand command, Func<DbDataReader, T> read, CancellationToken cancellationToken)
        where T : class
    {
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? read(reader) : null;
    }

    private static async Task<long> ScalarInt64Async(DbCommand command, CancellationToken cancellationToken) =>
        Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<bool> AccountExistsAsync(DbConnection c, DbTransaction tx, string accountId, CancellationToken cancellationToken)
    {
        using var exists = Command(c, tx, AccountsSql.Exists).Add("@id", accountId);
        return await ScalarInt64Async(exists, cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>Pages a newest-first keyset query: asks for one row more than the limit to learn whether a next
    /// page exists.</summary>
    private static async Task<Page<T>> PageAsync<T>(
        DbCommand command, string? cursor, int limit, Func<DbDataReader, T> read, Func<T, PageCursor> position, CancellationToken cancellationToken)
    {
        var start = PageCursor.Parse(cursor);
        int take = PageCursor.ClampLimit(limit);
        command.Add("@cursor_at", start.CreatedAtMillis).Add("@cursor_id", start.Id).Add("@limit", take + 1);
        var rows = await QueryAsync(command, read, cancellationToken).ConfigureAwait(false);
        if (rows.Count <= take)
        {
            return new Page<T>(rows, null);
        }

        rows.RemoveAt(rows.Count - 1);
        return new Page<T>(rows, position(rows[^1]).ToString());
    }
}
