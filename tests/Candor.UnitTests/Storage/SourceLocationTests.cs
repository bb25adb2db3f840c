using Candor.Storage.Import;
using MySqlConnector;
using Npgsql;

namespace Candor.UnitTests.Storage;

/// <summary><c>candor import --from</c>: a file, or the SQL_DSN one-api and new-api were run with, in each form their Go
/// drivers take; the description never holds the password.</summary>
public sealed class SourceLocationTests
{
    private static readonly Func<string, string?> NoEnvironment = static _ => null;

    [Fact]
    public void GoMySqlDsn_IsReadAsOneApiWritesIt()
    {
        var location = SourceLocation.Parse("oneapi:p@ss:w0rd@tcp(db.internal:3307)/one_api?charset=utf8mb4&parseTime=True&loc=Local", NoEnvironment);

        Assert.Equal(SourceDialect.MySql, location.Dialect);
        var built = new MySqlConnectionStringBuilder(location.ConnectionString);
        Assert.Equal(("db.internal", 3307u, "oneapi", "p@ss:w0rd", "one_api"), (built.Server, built.Port, built.UserID, built.Password, built.Database));
        Assert.Equal("MySQL db.internal:3307/one_api", location.Description);
    }

    [Fact]
    public void MySqlDsnWithoutPassword_TakesItFromTheEnvironment_AndDefaultsThePort()
    {
        var location = SourceLocation.Parse("root@tcp(127.0.0.1)/newapi", name => name == SourceLocation.PasswordVariable ? "secret" : null);

        var built = new MySqlConnectionStringBuilder(location.ConnectionString);
        Assert.Equal((3306u, "root", "secret"), (built.Port, built.UserID, built.Password));
        Assert.DoesNotContain("secret", location.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgres://u:p%40w@pg.internal:5433/oneapi?sslmode=disable")]
    [InlineData("postgresql://u:p%40w@pg.internal:5433/oneapi?sslmode=disable")]
    [InlineData("host=pg.internal port=5433 user=u password=p@w dbname=oneapi sslmode=disable TimeZone=Asia/Shanghai")]
    [InlineData("Host=pg.internal;Port=5433;Username=u;Password=p@w;Database=oneapi;SSL Mode=Disable")]
    public void PostgresDsns_AreReadInEachForm(string dsn)
    {
        var location = SourceLocation.Parse(dsn, NoEnvironment);

        Assert.Equal(SourceDialect.Postgres, location.Dialect);
        var built = new NpgsqlConnectionStringBuilder(location.ConnectionString);
        Assert.Equal(("pg.internal", 5433, "u", "p@w", "oneapi", SslMode.Disable), (built.Host, built.Port, built.Username, built.Password, built.Database, built.SslMode));
        Assert.Equal("PostgreSQL pg.internal:5433/oneapi", location.Description);
    }

    [Theory]
    [InlineData("one-api.db")]
    [InlineData("/var/lib/one-api/data@2025/one-api.db")]
    public void Paths_AreSqliteFiles(string path) => Assert.Equal(SourceDialect.Sqlite, SourceLocation.Parse(path, NoEnvironment).Dialect);

    [Theory]
    [InlineData("u:p@tcp(db:3306)/")]
    [InlineData("u:p@tcp(db:x)/oneapi")]
    [InlineData("postgres://u:p@db:5432/")]
    [InlineData("host=db user=u")]
    public void UnreadableDsns_AreRefusedWithoutRepeatingThePassword(string dsn)
    {
        var error = Assert.Throws<ArgumentException>(() => SourceLocation.Parse(dsn, NoEnvironment));
        Assert.DoesNotContain(":p@", error.Message, StringComparison.Ordinal);
    }
}
