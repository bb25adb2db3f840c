using Candor.Storage;
using Microsoft.Data.Sqlite;

namespace Candor.UnitTests.Storage;

public sealed class MigrationTests
{
    private static readonly TimeSpan Timeout = TempStore.Timeout;

    private static async Task<long> ScalarAsync(string databasePath, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        await connection.OpenAsync().WaitAsync(Timeout);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync().WaitAsync(Timeout), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task FreshDirectory_AppliesEveryMigrationOnce()
    {
        using var t = await TempStore.CreateAsync();

        Assert.Equal(Candor.Storage.Sqlite.Migrations.All.Count, t.Store.MigrationsApplied);
        Assert.True(File.Exists(Path.Combine(t.Directory, SqliteStore.DatabaseFileName)));
        Assert.Equal(Candor.Storage.Sqlite.Migrations.All.Count, await ScalarAsync(t.Store.DatabasePath, "SELECT COUNT(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task Rerun_IsNoOp()
    {
        using var t = await TempStore.CreateAsync();
        var account = await t.AccountAsync("a", topUpMicros: 5);

        Assert.Equal(0, await t.Store.MigrateAsync(CancellationToken.None).WaitAsync(Timeout));
        await t.ReopenAsync();

        Assert.Equal(0, t.Store.MigrationsApplied);
        Assert.Equal(Candor.Storage.Sqlite.Migrations.All.Count, await ScalarAsync(t.Store.DatabasePath, "SELECT COUNT(*) FROM schema_migrations"));
        Assert.Equal(5, await t.Store.GetBalanceAsync(account.Id, CancellationToken.None).WaitAsync(Timeout));
    }

    [Fact]
    public async Task Open_UsesWalJournal()
    {
        using var t = await TempStore.CreateAsync();
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = t.Store.DatabasePath, Pooling = false }.ToString());
        await connection.OpenAsync().WaitAsync(Timeout);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";

        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync().WaitAsync(Timeout));
    }

    [Fact]
    public async Task NewerSchema_IsRefused()
    {
        using var t = await TempStore.CreateAsync();
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = t.Store.DatabasePath, Pooling = false }.ToString()))
        {
            await connection.OpenAsync().WaitAsync(Timeout);
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)";
            await command.ExecuteNonQueryAsync().WaitAsync(Timeout);
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => t.Store.MigrateAsync(CancellationToken.None).WaitAsync(Timeout));
        Assert.Contains("9999", error.Message, StringComparison.Ordinal);
    }
}
