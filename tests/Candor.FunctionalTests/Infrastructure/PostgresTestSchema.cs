using Npgsql;

namespace Candor.FunctionalTests.Infrastructure;

/// <summary>Functional tests on PostgreSQL: with <c>CANDOR_TEST_POSTGRES_HOSTS</c> set (a connection string to a database with
/// the C collation; .ci/run starts one), every <see cref="CandorTestHost"/> that has a store puts it in a fresh schema of
/// that database, dropped at dispose. Unset, the hosts use SQLite in their data directory, as before.</summary>
public sealed class PostgresTestSchema : IAsyncDisposable
{
    public const string Variable = "CANDOR_TEST_POSTGRES_HOSTS";

    private PostgresTestSchema(string baseConnection, string name)
    {
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(baseConnection) { SearchPath = name }.ToString();
    }

    public string Name { get; }

    /// <summary>The connection string of the schema (first on the search path).</summary>
    public string ConnectionString { get; }

    /// <summary>A fresh schema, or null when <see cref="Variable"/> is unset.</summary>
    public static async Task<PostgresTestSchema?> CreateIfConfiguredAsync(CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } connection)
        {
            return null;
        }

        var schema = new PostgresTestSchema(connection, "f_" + Guid.NewGuid().ToString("N"));
        await schema.ExecuteAsync($"CREATE SCHEMA {schema.Name}", cancellationToken);
        return schema;
    }

    /// <summary>A fresh schema of the database at <paramref name="baseConnection"/> (the multi-node tests: <see cref="CandorCluster"/>).</summary>
    public static async Task<PostgresTestSchema> CreateInAsync(string baseConnection, CancellationToken cancellationToken)
    {
        var schema = new PostgresTestSchema(baseConnection, "c_" + Guid.NewGuid().ToString("N"));
        await schema.ExecuteAsync($"CREATE SCHEMA {schema.Name}", cancellationToken);
        return schema;
    }

    /// <summary>Runs <paramref name="sql"/> on a connection of its own (as an operator's session or another node would).</summary>
    public async Task<object?> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteScalarAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync() => await ExecuteAsync($"DROP SCHEMA {Name} CASCADE", CancellationToken.None);
}
