using Candor.Core.Admission;
using Candor.Storage.Postgres;
using Npgsql;

namespace Candor.Storage;

/// <summary>The store on PostgreSQL, for several Candor nodes sharing one database (<c>storage: { postgres: … }</c>).
/// Same statements, same migrations and same behaviour as <see cref="SqliteStore"/>; what holds across nodes is in
/// docs/scale-out.md.</summary>
internal sealed class PostgresStore : RelationalStore
{
    private readonly PostgresDatabase _postgres;

    private PostgresStore(PostgresDatabase db, KeyHasher hasher, TimeProvider time)
        : base(db, hasher, time, shared: true)
    {
        _postgres = db;
    }

    /// <summary>Listens for the store's change notifications until <paramref name="cancellationToken"/> is cancelled: once
    /// connected (and after every reconnection) <paramref name="onChange"/> gets null — reload everything, since changes
    /// made while not listening were not notified — then the topic (<see cref="RelationalStore.ChangeTopics"/>) of every
    /// change committed in this store's schema, each topic once however many arrived while the previous ones were applied.
    /// A lost connection is reported to <paramref name="onLost"/> and tried again after <paramref name="retry"/>; the
    /// caller polls meanwhile (<paramref name="onConnected"/> tells it when to stop).</summary>
    public async Task ListenAsync(Func<string?, Task> onChange, Action onConnected, Action<Exception> onLost, TimeSpan retry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onChange);
        ArgumentNullException.ThrowIfNull(onConnected);
        ArgumentNullException.ThrowIfNull(onLost);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var connection = _postgres.CreateListenerConnection();
                await using (connection.ConfigureAwait(false))
                {
                    await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                    string prefix;
                    using (var schema = new NpgsqlCommand("SELECT current_schema()", connection))
                    {
                        prefix = (string)(await schema.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! + ":";
                    }

                    var pending = new HashSet<string>(StringComparer.Ordinal);
                    connection.Notification += (_, e) =>
                    {
                        if (e.Payload.StartsWith(prefix, StringComparison.Ordinal))
                        {
                            lock (pending)
                            {
                                pending.Add(e.Payload[prefix.Length..]);
                            }
                        }
                    };
                    using (var listen = new NpgsqlCommand($"LISTEN {PostgresDatabase.ChangeChannel}", connection))
                    {
                        await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    onConnected();
                    await onChange(null).ConfigureAwait(false);
                    while (true)
                    {
                        await connection.WaitAsync(cancellationToken).ConfigureAwait(false);
                        string[] topics;
                        lock (pending)
                        {
                            topics = [.. pending];
                            pending.Clear();
                        }

                        foreach (string topic in topics)
                        {
                            await onChange(topic).ConfigureAwait(false);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Whatever broke the connection, the listener reports it and connects again.
            catch (Exception e)
#pragma warning restore CA1031
            {
                onLost(e);
            }

            try
            {
                await Task.Delay(retry, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
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
