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
    public static async Task<StoreBootstrapResult> InitializeAsync(string dataDirectory, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        string full = Path.GetFullPath(dataDirectory);
        var found = DataDirectory.Tighten(full);
        string directory = DataDirectory.Ensure(full);
        var hasher = new KeyHasher(ServerSecret.LoadOrCreate(directory));
        var store = await SqliteStore.OpenAsync(directory, hasher, timeProvider, cancellationToken).ConfigureAwait(false);
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
