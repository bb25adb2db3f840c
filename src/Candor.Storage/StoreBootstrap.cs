using Candor.Core.Accounts;
using Candor.Core.Admission;

namespace Candor.Storage;

/// <summary>First start (<c>candor init</c>) and every start after it: the data directory, the server secret,
/// the schema, and the platform operator. There is no default password: when no live operator key exists, a
/// new one is created and returned once for the operator to keep.</summary>
internal static class StoreBootstrap
{
    /// <summary>Opens the store in <paramref name="dataDirectory"/> (see <see cref="DataDirectory.Resolve"/>),
    /// creating the directory, <c>secret.key</c> and <c>candor.db</c> when missing, and the operator account and
    /// key when no live operator key exists. The caller owns (and disposes) the returned store.</summary>
    public static Task<StoreBootstrapResult> InitializeAsync(string dataDirectory, TimeProvider? timeProvider, CancellationToken cancellationToken) =>
        InitializeAsync(dataDirectory, null, null, timeProvider, cancellationToken);

    /// <summary>As <see cref="InitializeAsync(string, TimeProvider?, CancellationToken)"/>, with the store on PostgreSQL
    /// when <paramref name="postgres"/> (a connection string) is given: the data directory still holds the server secret,
    /// the master key, the receipt key and the transparency log.</summary>
    public static async Task<StoreBootstrapResult> InitializeAsync(
        string dataDirectory, string? postgres, string? postgresPassword, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        string full = Path.GetFullPath(dataDirectory);
        var found = DataDirectory.Tighten(full);
        string directory = DataDirectory.Ensure(full);
        var hasher = new KeyHasher(ServerSecret.LoadOrCreate(directory));
        RelationalStore store = postgres is null
            ? await SqliteStore.OpenAsync(directory, hasher, timeProvider, cancellationToken).ConfigureAwait(false)
            : await PostgresStore.OpenAsync(postgres, postgresPassword, hasher, timeProvider, cancellationToken).ConfigureAwait(false);
        try
        {
            CreatedApiKey? operatorKey = await store.CreateOperatorIfMissingAsync(cancellationToken).ConfigureAwait(false);
            // SQLite creates candor.db and its -wal and -shm with the process umask: tightened once they exist.
            var created = DataDirectory.Tighten(directory, recursive: false);
            return new StoreBootstrapResult(directory, store, hasher, operatorKey)
            {
                Permissions = found with { Failed = Math.Max(found.Failed, created.Failed) },
            };
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }
}
