using Candor.Core.Admission;
using Candor.Storage.Postgres;

namespace Candor.Storage;

/// <summary>The store on PostgreSQL, for several Candor nodes sharing one database (<c>storage: { postgres: … }</c>).
/// Same statements, same migrations and same behaviour as <see cref="SqliteStore"/>; what holds across nodes is in
/// docs/scale-out.md.</summary>
internal sealed class PostgresStore : RelationalStore
{
    private PostgresStore(PostgresDatabase db, KeyHasher hasher, TimeProvider time)
        : base(db, hasher, time)
    {
    }

    /// <summary>Connects, brings the schema up to date (one node at a time) and checks the server secret.</summary>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="password">The password when the connection string has none (<see cref="PostgresEnvironment.PasswordVariable"/>).</param>
    /// <param name="hasher">Must use the installation's server secret: every node needs the same one.</param>
    /// <param name="timeProvider">The clock (system when null).</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    public static async Task<PostgresStore> OpenAsync(
        string connectionString, string? password, KeyHasher hasher, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        var db = new PostgresDatabase(connectionString, password);
        PostgresStore? store = null;
        try
        {
            store = new PostgresStore(db, hasher, timeProvider ?? TimeProvider.System);
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
