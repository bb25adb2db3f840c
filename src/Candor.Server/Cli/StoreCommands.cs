using Candor.Storage;

namespace Candor.Server.Cli;

/// <summary><c>candor migrate</c>: brings the store's schema up to date (SQLite in the data directory, or PostgreSQL with
/// <c>--postgres</c> or <c>CANDOR_POSTGRES</c>) and reports what it applied. The server applies the same migrations at
/// start; running this first lets an operator upgrade the schema of a PostgreSQL shared by several nodes on purpose.</summary>
internal static class StoreCommands
{
    public static async Task<int> MigrateAsync(CliArgs args, TextWriter output, CancellationToken cancellationToken)
    {
        string directory = DataDirectory.Resolve(args.Get("--data"));
        if (!Directory.Exists(directory))
        {
            throw new ArgumentException($"{directory} is not initialised; run 'candor init' first (it prints the operator key)");
        }

        string? postgres = args.Get("--postgres") ?? PostgresEnvironment.Connection(Environment.GetEnvironmentVariable);
        var hasher = new Candor.Core.Admission.KeyHasher(ServerSecret.LoadOrCreate(directory));
        using RelationalStore store = postgres is null
            ? await SqliteStore.OpenAsync(directory, hasher, TimeProvider.System, cancellationToken).ConfigureAwait(false)
            : await PostgresEnvironment.OpenAsync(postgres, hasher, Environment.GetEnvironmentVariable, cancellationToken).ConfigureAwait(false);
        int version = Candor.Storage.Sqlite.Migrations.All[^1].Version;
        await output.WriteLineAsync($"{store.DatabasePath}: applied {store.MigrationsApplied} migration(s); schema version {version}.").ConfigureAwait(false);
        return 0;
    }
}
