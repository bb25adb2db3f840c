using Candor.Core.Admission;
using Candor.Storage;
using Npgsql;

namespace Candor.FunctionalTests.Infrastructure;

/// <summary>Functional tests on PostgreSQL: with <c>CANDOR_TEST_STORE=postgres</c>, every <see cref="CandorTestHost"/> that
/// has a store (and is not marked <see cref="CandorTestHost.Builder.OnSqlite"/>) puts it in a fresh database of the
/// PostgreSQL at <c>CANDOR_TEST_POSTGRES</c> (.ci/run starts one). Each database is a copy (<c>CREATE DATABASE … TEMPLATE</c>)
/// of one migrated template made once per test run, so no host runs the migrations. The host is given the connection
/// string without its password and the password as <c>CANDOR_POSTGRES_PASSWORD</c>, as an operator runs Candor. Unset,
/// the hosts use SQLite in their data directory.</summary>
public sealed class PostgresTestDatabase : IAsyncDisposable
{
    /// <summary>Which store the hosts use: <c>postgres</c>, or anything else (unset) for SQLite.</summary>
    public const string StoreVariable = "CANDOR_TEST_STORE";

    /// <summary>The connection string of the PostgreSQL (its <c>postgres</c> database is where databases are made).</summary>
    public const string ConnectionVariable = "CANDOR_TEST_POSTGRES";

    /// <summary>In a directory the test owns (<see cref="CandorTestHost.Builder.InDirectory"/>): the database's name.</summary>
    private const string NameFile = "candor-test-postgres";

    private static readonly Lazy<Task<string>> Template = new(CreateTemplateAsync);
    private static readonly List<string> Remains = [];

    private PostgresTestDatabase(string name, bool kept)
    {
        string connection = System.Environment.GetEnvironmentVariable(ConnectionVariable) is { Length: > 0 } c
            ? c
            : throw new InvalidOperationException($"{StoreVariable}=postgres needs {ConnectionVariable} (.ci/run starts a PostgreSQL and sets it)");
        Name = name;
        Kept = kept;
        var builder = new NpgsqlConnectionStringBuilder(connection) { Database = name };
        ConnectionString = builder.ToString();
        Password = builder.Password;
        builder.Password = null;
        HostConnectionString = builder.ToString();
    }

    /// <summary>True when the hosts run on PostgreSQL (<see cref="StoreVariable"/> is <c>postgres</c>).</summary>
    public static bool Selected => string.Equals(System.Environment.GetEnvironmentVariable(StoreVariable), "postgres", StringComparison.OrdinalIgnoreCase);

    public string Name { get; }

    /// <summary>The database's connection string, password included (for the test's own connections).</summary>
    public string ConnectionString { get; }

    /// <summary>What the host reads as <c>CANDOR_POSTGRES</c>: the connection string without the password.</summary>
    public string HostConnectionString { get; }

    /// <summary>What the host reads as <c>CANDOR_POSTGRES_PASSWORD</c> (null when the connection needs none).</summary>
    public string? Password { get; }

    /// <summary>False: dropped when the host is disposed. True: named in a directory later hosts start on again, and
    /// dropped when the test process exits.</summary>
    public bool Kept { get; }

    private static string Maintenance => new NpgsqlConnectionStringBuilder(System.Environment.GetEnvironmentVariable(ConnectionVariable)) { Database = "postgres" }.ToString();

    /// <summary>A fresh database copied from the run's template, or null when the hosts run on SQLite. With
    /// <paramref name="keptIn"/> (a directory the test owns) the database is the one an earlier host named there, else a
    /// fresh one that it names there (<see cref="Kept"/>).</summary>
    public static async Task<PostgresTestDatabase?> CreateIfSelectedAsync(string? keptIn, CancellationToken cancellationToken)
    {
        if (!Selected)
        {
            return null;
        }

        string? nameFile = keptIn is null ? null : Path.Combine(keptIn, NameFile);
        if (nameFile is not null && File.Exists(nameFile))
        {
            return new PostgresTestDatabase((await File.ReadAllTextAsync(nameFile, cancellationToken)).Trim(), kept: true);
        }

        var database = new PostgresTestDatabase("f_" + Guid.NewGuid().ToString("N"), kept: nameFile is not null);
        string template = await Template.Value.WaitAsync(cancellationToken);
        await ExecuteScalarAsync(Maintenance, $"CREATE DATABASE {database.Name} TEMPLATE {template}", cancellationToken);
        if (nameFile is not null)
        {
            await File.WriteAllTextAsync(nameFile, database.Name, cancellationToken);
            LeaveUntilExit(database.Name);
        }

        return database;
    }

    /// <summary>Runs <paramref name="sql"/> on a connection of its own (as an operator's session or another node would).</summary>
    public Task<object?> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters) =>
        ExecuteScalarAsync(ConnectionString, sql, cancellationToken, parameters);

    /// <summary>Runs <paramref name="sql"/> on a new unpooled connection to <paramref name="connectionString"/>; returns the first value.</summary>
    internal static async Task<object?> ExecuteScalarAsync(string connectionString, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>Drops the database unless it is <see cref="Kept"/>, ending any session still on it (a pool the stopped
    /// host did not close).</summary>
    public async ValueTask DisposeAsync()
    {
        if (!Kept)
        {
            await ExecuteScalarAsync(Maintenance, $"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", CancellationToken.None);
        }
    }

    /// <summary>Drops <paramref name="name"/> when the test process exits (the first call registers the handler).</summary>
    private static void LeaveUntilExit(string name)
    {
        lock (Remains)
        {
            if (Remains.Count == 0)
            {
                AppDomain.CurrentDomain.ProcessExit += static (_, _) =>
                {
                    foreach (string remain in Remains)
                    {
                        ExecuteScalarAsync(Maintenance, $"DROP DATABASE IF EXISTS {remain} WITH (FORCE)", CancellationToken.None).GetAwaiter().GetResult();
                    }
                };
            }

            Remains.Add(name);
        }
    }

    /// <summary>The run's template: a database with the C collation that the store's migrations ran on, with no session
    /// left on it (CREATE DATABASE … TEMPLATE refuses a template in use). Dropped when the test process exits.</summary>
    private static async Task<string> CreateTemplateAsync()
    {
        var template = new PostgresTestDatabase("candor_template_" + Guid.NewGuid().ToString("N"), kept: true);
        await ExecuteScalarAsync(Maintenance, $"CREATE DATABASE {template.Name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'", CancellationToken.None);
        LeaveUntilExit(template.Name);
        using (await PostgresStore.OpenAsync(template.HostConnectionString, template.Password, new KeyHasher(new byte[32]), TimeProvider.System, CancellationToken.None))
        {
        }

        // Each host has its own server secret: the check value this open recorded must not be copied.
        await template.ExecuteAsync($"DELETE FROM store_meta WHERE name = '{Candor.Storage.Sqlite.StoreMetaSql.SecretCheck}'", CancellationToken.None);

        // The store's pool may keep idle sessions on the template after Dispose; end them so copies can be made.
        await ExecuteScalarAsync(Maintenance,
            $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{template.Name}' AND pid <> pg_backend_pid()", CancellationToken.None);
        return template.Name;
    }
}
