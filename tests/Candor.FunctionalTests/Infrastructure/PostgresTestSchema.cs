using Npgsql;

namespace Candor.FunctionalTests.Infrastructure;

/// <summary>A fresh schema of a PostgreSQL database, dropped at dispose: the store of the multi-node tests
/// (<see cref="CandorCluster"/>). The single-node hosts get a database of their own instead: <see cref="PostgresTestDatabase"/>.</summary>
public sealed class PostgresTestSchema : IAsyncDisposable
{
    private PostgresTestSchema(string baseConnection, string name)
    {
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(baseConnection) { SearchPath = name }.ToString();
    }

    public string Name { get; }

    /// <summary>The connection string of the schema (first on the search path).</summary>
    public string ConnectionString { get; }

    /// <summary>A fresh schema of the database at <paramref name="baseConnection"/> (the multi-node tests: <see cref="CandorCluster"/>).</summary>
    public static async Task<PostgresTestSchema> CreateInAsync(string baseConnection, CancellationToken cancellationToken)
    {
        var schema = new PostgresTestSchema(baseConnection, "c_" + Guid.NewGuid().ToString("N"));
        await schema.ExecuteAsync($"CREATE SCHEMA {schema.Name}", cancellationToken);
        return schema;
    }

    /// <summary>Runs <paramref name="sql"/> on a connection of its own (as an operator's session or another node would).</summary>
    public Task<object?> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters) =>
        PostgresTestDatabase.ExecuteScalarAsync(ConnectionString, sql, cancellationToken, parameters);

    public async ValueTask DisposeAsync() => await ExecuteAsync($"DROP SCHEMA {Name} CASCADE", CancellationToken.None);
}
