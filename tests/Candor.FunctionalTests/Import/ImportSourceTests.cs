using Candor.FunctionalTests.Infrastructure;
using Candor.Storage.Import;
using MySqlConnector;
using Npgsql;

namespace Candor.FunctionalTests.Import;

/// <summary>The same end-to-end import as <see cref="ImportTests"/>, from the other engines one-api and new-api run on:
/// a MariaDB (<c>CANDOR_TEST_MYSQL</c>, a MySqlConnector connection string of a user that may create databases; .ci/run
/// starts one) read through the platform's own Go DSN, and a PostgreSQL (<c>CANDOR_TEST_POSTGRES</c>) read through an
/// Npgsql connection string naming a schema of its own. Each test builds the tables as GORM makes them on that engine,
/// and drops them afterwards. Skipped when the variable is unset, except under CI=true, where they fail instead.</summary>
public sealed class ImportSourceTests
{
    private const string MySqlVariable = "CANDOR_TEST_MYSQL";
    private const string PostgresVariable = "CANDOR_TEST_POSTGRES";

    private static string Configured(string variable)
    {
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
        {
            return value;
        }

        Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase),
            $"CI=true but {variable} is not set: .ci/run starts the server and sets it.");
        throw new SkipException($"set {variable} to run this import test (.ci/run does)");
    }

    [SkippableTheory]
    [InlineData("one-api")]
    [InlineData("new-api")]
    public async Task FromMySqlDsn_TokenWorks_BalancesMatch_RerunImportsNothing(string flavor)
    {
        string admin = Configured(MySqlVariable);

        var server = new MySqlConnectionStringBuilder(admin);
        string database = "candor_import_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteMySqlAsync(admin, $"CREATE DATABASE `{database}` CHARACTER SET utf8mb4");
        try
        {
            await ImportTests.ImportAndCheckAsync(flavor, async (_, builder) =>
            {
                await using (var connection = new MySqlConnection(new MySqlConnectionStringBuilder(admin) { Database = database, Pooling = false }.ConnectionString))
                {
                    await connection.OpenAsync(Json.Timeout());
                    await builder.SaveAsync(connection, SourceDialect.MySql, Json.Timeout());
                }

                // As one-api's SQL_DSN names it: user:password@tcp(host:port)/database?params.
                return $"{server.UserID}:{server.Password}@tcp({server.Server}:{server.Port})/{database}?charset=utf8mb4&parseTime=True&loc=Local";
            });
        }
        finally
        {
            await ExecuteMySqlAsync(admin, $"DROP DATABASE IF EXISTS `{database}`");
        }
    }

    [SkippableTheory]
    [InlineData("one-api")]
    [InlineData("new-api")]
    public async Task FromPostgresDsn_TokenWorks_BalancesMatch_RerunImportsNothing(string flavor)
    {
        string admin = Configured(PostgresVariable);

        string schema = "import_" + Guid.NewGuid().ToString("N")[..12];
        await ExecutePostgresAsync(admin, $"CREATE SCHEMA {schema}");
        try
        {
            await ImportTests.ImportAndCheckAsync(flavor, async (_, builder) =>
            {
                string inSchema = new NpgsqlConnectionStringBuilder(admin) { SearchPath = schema, Pooling = false }.ConnectionString;
                await using (var connection = new NpgsqlConnection(inSchema))
                {
                    await connection.OpenAsync(Json.Timeout());
                    await builder.SaveAsync(connection, SourceDialect.Postgres, Json.Timeout());
                }

                return inSchema;
            });
        }
        finally
        {
            await ExecutePostgresAsync(admin, $"DROP SCHEMA {schema} CASCADE");
        }
    }

    private static async Task ExecuteMySqlAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(Json.Timeout());
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Json.Timeout());
    }

    private static async Task ExecutePostgresAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(Json.Timeout());
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Json.Timeout());
    }
}
