using Npgsql;

namespace Candor.UnitTests.Storage;

/// <summary>The PostgreSQL the store tests run against: <c>CANDOR_TEST_POSTGRES</c>, a connection string to a database
/// with the C collation that the tests may create schemas in (.ci/run starts one). Each store gets its own schema.</summary>
internal static class TestPostgres
{
    public const string Variable = "CANDOR_TEST_POSTGRES";

    /// <summary>The connection string; skips the test when unset, except under CI=true, where it fails instead (CI must
    /// run the PostgreSQL contract tests, not skip them).</summary>
    public static string ConnectionString()
    {
        string? connection = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(connection))
        {
            return connection;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"CI=true but {Variable} is not set: .ci/run starts PostgreSQL and sets it.");
        }

        throw new SkipException($"PostgreSQL store test: set {Variable} to run it (.ci/run does).");
    }

    public static async Task<Schema> CreateSchemaAsync()
    {
        string baseConnection = ConnectionString();
        string name = "t_" + Guid.NewGuid().ToString("N");
        var schema = new Schema(baseConnection, name);
        await schema.ExecuteAsync($"CREATE SCHEMA {name}");
        return schema;
    }

    /// <summary>A schema of its own; the connection string puts it first on the search path.</summary>
    internal sealed class Schema(string baseConnection, string name) : IAsyncDisposable
    {
        public string Name { get; } = name;

        public string ConnectionString { get; } = new NpgsqlConnectionStringBuilder(baseConnection) { SearchPath = name }.ToString();

        public async Task ExecuteAsync(string sql)
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ToString());
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }

        public async ValueTask DisposeAsync() => await ExecuteAsync($"DROP SCHEMA {Name} CASCADE");
    }
}
