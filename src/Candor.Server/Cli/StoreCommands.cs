using Candor.Storage;
using Candor.Storage.Relational;

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

        string? postgres = args.Get("--postgres") ?? PostgresEnvironment.Connection(CliEnvironment.Get);
        var hasher = new Candor.Core.Admission.KeyHasher(ServerSecret.LoadOrCreate(directory));
        using RelationalStore store = postgres is null
            ? await SqliteStore.OpenAsync(directory, hasher, TimeProvider.System, cancellationToken).ConfigureAwait(false)
            : await PostgresEnvironment.OpenAsync(postgres, hasher, CliEnvironment.Get, cancellationToken).ConfigureAwait(false);
        int version = Candor.Storage.Sqlite.Migrations.All[^1].Version;
        await output.WriteLineAsync($"{store.DatabasePath}: applied {store.MigrationsApplied} migration(s); schema version {version}.").ConfigureAwait(false);
        return 0;
    }

    /// <summary><c>candor copy</c>: moves the store of the data directory (SQLite) to a new PostgreSQL database
    /// (<c>--to-postgres</c>) or to the SQLite of another data directory (<c>--to-data</c>), every table in one transaction
    /// that commits only when each table's row count and checksum read back equal (<see cref="StoreCopy"/>); a target that
    /// holds any row is refused (exit 1, nothing changed). Prints each table's figures.</summary>
    public static async Task<int> CopyAsync(CliArgs args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        string directory = DataDirectory.Resolve(args.Get("--data"));
        if (!File.Exists(Path.Combine(directory, SqliteStore.DatabaseFileName)))
        {
            throw new ArgumentException($"{directory} holds no {SqliteStore.DatabaseFileName} to copy");
        }

        string? toPostgres = args.Get("--to-postgres");
        string? toData = args.Get("--to-data");
        if ((toPostgres is null) == (toData is null))
        {
            throw new ArgumentException("copy needs exactly one target: --to-postgres CONNECTION_STRING or --to-data DIR");
        }

        byte[] secret = ServerSecret.LoadOrCreate(directory);
        var hasher = new Candor.Core.Admission.KeyHasher(secret);
        using RelationalStore source = await SqliteStore.OpenAsync(directory, hasher, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        RelationalStore target;
        if (toPostgres is not null)
        {
            target = await PostgresEnvironment.OpenAsync(toPostgres, hasher, CliEnvironment.Get, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // The other directory gets the source's server secret (its keys are hashed under it) unless it has this one.
            string targetDirectory = DataDirectory.Ensure(Path.GetFullPath(toData!));
            string secretFile = Path.Combine(targetDirectory, ServerSecret.FileName);
            if (!File.Exists(secretFile))
            {
                OwnerOnlyFile.Write(secretFile, secret, overwrite: false);
            }

            target = await SqliteStore.OpenAsync(targetDirectory, hasher, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }

        using (target)
        {
            IReadOnlyList<StoreCopy.TableCopy> tables;
            try
            {
                tables = await StoreCopy.CopyAsync(source, target, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                await error.WriteLineAsync($"candor: copy refused: {e.Message}").ConfigureAwait(false);
                return 1;
            }

            foreach (var table in tables)
            {
                await output.WriteLineAsync($"{table.Table}: {table.Rows} row(s), checksum {table.Checksum}").ConfigureAwait(false);
            }

            await output.WriteLineAsync(
                $"Copied {tables.Count} tables ({tables.Sum(static t => t.Rows)} rows) from {source.DatabasePath} to {target.DatabasePath}; every table reads back equal.")
                .ConfigureAwait(false);
        }

        return 0;
    }
}
