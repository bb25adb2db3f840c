using Candor.Core.Admission;
using Candor.Storage.Sqlite;

namespace Candor.Storage;

/// <summary>The embedded store (the default): <c>candor.db</c> inside the data directory. One instance per process and
/// data directory. See docs/storage.md.</summary>
internal sealed class SqliteStore : RelationalStore
{
    /// <summary>The database file's name inside the data directory.</summary>
    public const string DatabaseFileName = "candor.db";

    private SqliteStore(SqliteDatabase db, KeyHasher hasher, TimeProvider time)
        : base(db, hasher, time, shared: false)
    {
    }

    /// <summary>Opens (creating when missing) the data directory and its database, and brings the schema up to
    /// date. <paramref name="hasher"/> must use the server secret (<see cref="ServerSecret.LoadOrCreate(string)"/>).</summary>
    public static async Task<SqliteStore> OpenAsync(string dataDirectory, KeyHasher hasher, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        string directory = DataDirectory.Ensure(dataDirectory);
        var db = new SqliteDatabase(Path.Combine(directory, DatabaseFileName));
        SqliteStore? store = null;
        try
        {
            store = new SqliteStore(db, hasher, timeProvider ?? TimeProvider.System);
            await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
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
}
