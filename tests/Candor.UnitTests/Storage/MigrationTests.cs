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
    public async Task UsageOfAKey_IsReadThroughTheAccountIndex_AndTheKeyIndexIsGone()
    {
        using var t = await TempStore.CreateAsync();
        Assert.Equal(0, await ScalarAsync(t.Store.DatabasePath, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_usage_records_key'"));
        Assert.Equal(1, await ScalarAsync(t.Store.DatabasePath, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_usage_records_account'"));

        // Every query that filters usage by key also names the account: the account's index serves it in page order.
        var everyFilter = new Candor.Core.Accounts.UsageFilter
        {
            From = DateTimeOffset.UnixEpoch, To = DateTimeOffset.UnixEpoch.AddDays(1), Model = "m",
            Outcome = Candor.Core.Accounts.UsageOutcome.Complete, KeyId = "key_1", OwnerPrincipal = "p",
        };
        foreach (string sql in new[] { Candor.Storage.Sqlite.UsageSql.SelectPageOfKey, Candor.Storage.Sqlite.UsageReportsSql.SelectPage(everyFilter) })
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = t.Store.DatabasePath, Pooling = false }.ToString());
            await connection.OpenAsync().WaitAsync(Timeout);
            using var plan = connection.CreateCommand();
            plan.CommandText = "EXPLAIN QUERY PLAN " + sql;
            foreach (string name in new[] { "@account_id", "@key_id", "@cursor_at", "@cursor_id", "@limit", "@from", "@to", "@model", "@outcome", "@owner" })
            {
                if (sql.Contains(name, StringComparison.Ordinal))
                {
                    plan.Parameters.AddWithValue(name, 1);
                }
            }

            var steps = new List<string>();
            using (var reader = await plan.ExecuteReaderAsync().WaitAsync(Timeout))
            {
                while (await reader.ReadAsync().WaitAsync(Timeout))
                {
                    steps.Add(reader.GetString(3));
                }
            }

            Assert.Contains(steps, s => s.StartsWith("SEARCH usage_records USING INDEX ix_usage_records_account (account_id=?", StringComparison.Ordinal));
            Assert.DoesNotContain(steps, s => s.Contains("TEMP B-TREE", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task NewDatabase_GetsTheLargerPageSize_AnExistingOneKeepsItsOwn()
    {
        using (var t = await TempStore.CreateAsync())
        {
            Assert.Equal(Candor.Storage.Sqlite.SqliteDatabase.NewPageSize, await ScalarAsync(t.Store.DatabasePath, "PRAGMA page_size"));
        }

        // A database made by an earlier Candor (4 KB pages, WAL, some content): opened, migrated, still 4 KB pages.
        string directory = TempStore.NewDirectory();
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, SqliteStore.DatabaseFileName);
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            await connection.OpenAsync().WaitAsync(Timeout);
            using var create = connection.CreateCommand();
            create.CommandText = "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE earlier (x INTEGER)";
            await create.ExecuteNonQueryAsync().WaitAsync(Timeout);
        }

        try
        {
            var hasher = new Candor.Core.Admission.KeyHasher(ServerSecret.LoadOrCreate(directory, null));
            using var store = await SqliteStore.OpenAsync(directory, hasher, TimeProvider.System, CancellationToken.None).WaitAsync(Timeout);
            Assert.Equal(Candor.Storage.Sqlite.Migrations.All.Count, store.MigrationsApplied);
            Assert.Equal(4096, await ScalarAsync(path, "PRAGMA page_size"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
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
