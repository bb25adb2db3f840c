using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Candor.Storage;

/// <summary>The embedded store: accounts, keys, the ledger and the usage journal in <c>candor.db</c> inside the
/// data directory. Thread-safe; one instance per process and data directory. See docs/storage.md.</summary>
internal sealed partial class SqliteStore : IAccountStore, IKeyStore, ILedgerStore, IDisposable
{
    /// <summary>The database file's name inside the data directory.</summary>
    public const string DatabaseFileName = "candor.db";

    private readonly SqliteDatabase _db;
    private readonly KeyHasher _hasher;
    private readonly TimeProvider _time;
    private readonly GroupCommitWriter<(UsageRecord Usage, LedgerEntry? Charge, Candor.Core.Receipts.StoredReceipt? Receipt), bool> _settlements;
    private readonly GroupCommitWriter<(UsageRecord Usage, Candor.Core.Receipts.AdmittedReceipt? Receipt), bool> _admissions;

    private SqliteStore(SqliteDatabase db, KeyHasher hasher, TimeProvider time)
    {
        _db = db;
        _hasher = hasher;
        _time = time;
        _settlements = new(db, ApplySettlementAsync);
        _admissions = new(db, ApplyAdmissionAsync);
    }

    /// <summary>How many transactions have committed settlements (<see cref="RecordUsageAsync(UsageRecord, LedgerEntry?, Core.Receipts.StoredReceipt?, CancellationToken)"/>); concurrent
    /// settlements share one (group commit), so this grows slower than <see cref="SettlementsCommitted"/> under load.</summary>
    public long SettlementTransactions => _settlements.Transactions;

    /// <summary>How many settlements have been committed.</summary>
    public long SettlementsCommitted => _settlements.Items;

    /// <summary>The database, for tests that hold its write lock.</summary>
    internal SqliteDatabase Database => _db;

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath => _db.Path;

    /// <summary>How many migrations this open applied (0 when the schema was already current).</summary>
    public int MigrationsApplied { get; private set; }

    /// <summary>Opens (creating when missing) the data directory and its database, and brings the schema up to
    /// date. <paramref name="hasher"/> must use the server secret (<see cref="ServerSecret.LoadOrCreate(string)"/>).</summary>
    public static async Task<SqliteStore> OpenAsync(string dataDirectory, KeyHasher hasher, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        string directory = DataDirectory.Ensure(dataDirectory);
        var time = timeProvider ?? TimeProvider.System;
        var db = new SqliteDatabase(Path.Combine(directory, DatabaseFileName));
        SqliteStore? store = null;
        try
        {
            store = new SqliteStore(db, hasher, time);
            store.MigrationsApplied = await db.MigrateAsync(time, cancellationToken).ConfigureAwait(false);
            await store.CheckSecretAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            store?.Dispose();
            if (store is null)
            {
                db.Dispose();
            }

            throw;
        }
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
        IOException or TimeoutException or ObjectDisposedException => true,
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

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql) =>
        SqliteDatabase.Command(connection, transaction, sql);

    private static async Task<List<T>> QueryAsync<T>(SqliteCommand command, Func<SqliteDataReader, T> read, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(read(reader));
        }

        return items;
    }

    private static async Task<T?> QuerySingleAsync<T>(SqliteCommand command, Func<SqliteDataReader, T> read, CancellationToken cancellationToken)
        where T : class
    {
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? read(reader) : null;
    }

    private static async Task<long> ScalarInt64Async(SqliteCommand command, CancellationToken cancellationToken) =>
        Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<bool> AccountExistsAsync(SqliteConnection c, SqliteTransaction tx, string accountId, CancellationToken cancellationToken)
    {
        using var exists = Command(c, tx, AccountsSql.Exists).Add("@id", accountId);
        return await ScalarInt64Async(exists, cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>Pages a newest-first keyset query: asks for one row more than the limit to learn whether a next
    /// page exists.</summary>
    private static async Task<Page<T>> PageAsync<T>(
        SqliteCommand command, string? cursor, int limit, Func<SqliteDataReader, T> read, Func<T, PageCursor> position, CancellationToken cancellationToken)
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
