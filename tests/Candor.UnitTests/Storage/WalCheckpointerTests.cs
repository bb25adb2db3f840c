using System.Data.Common;
using System.Globalization;
using Candor.Storage.Sqlite;

namespace Candor.UnitTests.Storage;

/// <summary>The WAL is copied into the database file in the background (<see cref="WalCheckpointer"/>), not by the writer:
/// the writer checkpoints by itself only past a backstop, every other connection keeps SQLite's default, and a WAL
/// copied whole starts again from its beginning, so it does not grow while writes go on.</summary>
public sealed class WalCheckpointerTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan Timeout = TempStore.Timeout;

    private readonly string _directory = Directory.CreateTempSubdirectory("candor-wal-").FullName;

    [Fact]
    public async Task Writer_ChecksPointsOnlyAsBackstop_OtherConnectionsKeepTheDefault()
    {
        using var db = await OpenAsync(TimeSpan.FromHours(1));
        Assert.Equal(WalCheckpointer.BackstopPages, await db.WriteAsync((c, tx) => ScalarAsync(c, tx, "PRAGMA wal_autocheckpoint"), None).WaitAsync(Timeout));

        var reader = await db.OpenAsync(None);
        await using (reader)
        {
            Assert.Equal(1000, await ScalarAsync(reader, null, "PRAGMA wal_autocheckpoint"));
        }
    }

    [Fact]
    public async Task Commits_AreCopiedInTheBackground_AndTheWalStartsAgain()
    {
        using var db = await OpenAsync(TimeSpan.FromMilliseconds(20));
        await WriteRowsAsync(db, 0, 200);
        await QuietAsync(db);
        Assert.True(db.Checkpointer!.Checkpoints >= 1);

        // Copied whole, so the next commit starts the WAL again: it holds that commit's frames only (without the
        // checkpointer it would hold the 200 commits' frames: the writer's backstop is far off).
        await WriteRowsAsync(db, 200, 1);
        var after = await PassiveAsync(db);
        Assert.True(after.Log < 10, $"the WAL held {after.Log} frames after a checkpoint and one commit");
        Assert.Equal(0, db.Checkpointer!.Failures);
    }

    [Fact]
    public async Task WithoutCheckpoints_TheWalHoldsEveryCommit()
    {
        // The control of the test above: a checkpointer that waits an hour leaves the WAL as the commits made it.
        using var db = await OpenAsync(TimeSpan.FromHours(1));
        await WriteRowsAsync(db, 0, 201);
        Assert.True((await PassiveAsync(db)).Log >= 200);
        Assert.Equal(0, db.Checkpointer!.Checkpoints);
    }

    [Fact]
    public async Task CheckpointsWhileWritesGoOn_LoseNothing()
    {
        using var db = await OpenAsync(TimeSpan.FromMilliseconds(5));
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() => WriteRowsAsync(db, w * 1000, 150))).ToList();
        await Task.WhenAll(writers).WaitAsync(Timeout);
        await WaitForAsync(() => db.Checkpointer!.Checkpoints >= 2);

        Assert.Equal(0, db.Checkpointer!.Failures);
        Assert.Equal(600, await db.WriteAsync((c, tx) => ScalarAsync(c, tx, "SELECT COUNT(*) FROM t"), None).WaitAsync(Timeout));
        var check = await db.OpenAsync(None);
        await using (check)
        {
            using var integrity = check.CreateCommand();
            integrity.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", (string?)await integrity.ExecuteScalarAsync(None));
        }
    }

    [Fact]
    public async Task Dispose_StopsTheLoop()
    {
        var db = await OpenAsync(TimeSpan.FromMilliseconds(5));
        await WriteRowsAsync(db, 0, 10);
        var checkpointer = db.Checkpointer!;
        db.Dispose();

        long seen = checkpointer.Checkpoints;
        checkpointer.Nudge(); // after disposal: nothing runs (and nothing throws)
        await Task.Delay(100);
        Assert.Equal(seen, checkpointer.Checkpoints);
    }

    private async Task<SqliteDatabase> OpenAsync(TimeSpan interval)
    {
        var db = new SqliteDatabase(Path.Combine(_directory, "candor.db")) { CheckpointInterval = interval };
        await db.MigrateAsync(TimeProvider.System, None).WaitAsync(Timeout);
        await db.WriteAsync((c, tx) => ScalarAsync(c, tx, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)"), None).WaitAsync(Timeout);
        return db;
    }

    /// <summary><paramref name="count"/> commits of one 3 KB row each (a page or more of WAL per commit).</summary>
    private static async Task WriteRowsAsync(SqliteDatabase db, int first, int count)
    {
        var body = new byte[3000];
        for (int i = first; i < first + count; i++)
        {
            int id = i;
            await db.WriteAsync(async (c, tx) =>
            {
                using var insert = c.CreateCommand();
                insert.Transaction = tx;
                insert.CommandText = "INSERT INTO t (id, body) VALUES ($id, $body)";
                var idParameter = insert.CreateParameter();
                idParameter.ParameterName = "$id";
                idParameter.Value = id;
                insert.Parameters.Add(idParameter);
                var bodyParameter = insert.CreateParameter();
                bodyParameter.ParameterName = "$body";
                bodyParameter.Value = body;
                insert.Parameters.Add(bodyParameter);
                return await insert.ExecuteNonQueryAsync(None);
            }, None).WaitAsync(Timeout);
        }
    }

    /// <summary>A passive checkpoint on a connection of the test's own: frames in the WAL and frames copied.</summary>
    private static async Task<(long Log, long Copied)> PassiveAsync(SqliteDatabase db)
    {
        var connection = await db.OpenAsync(None);
        await using (connection)
        {
            using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            using var reader = await checkpoint.ExecuteReaderAsync(None);
            Assert.True(await reader.ReadAsync(None));
            return (reader.GetInt64(1), reader.GetInt64(2));
        }
    }

    private static async Task<long> ScalarAsync(DbConnection c, DbTransaction? tx, string sql)
    {
        using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(None) ?? 0L, CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until the checkpointer has run and then not run again for ten of its intervals.</summary>
    private static async Task QuietAsync(SqliteDatabase db)
    {
        using var cts = new CancellationTokenSource(Timeout);
        long seen = -1;
        while (db.Checkpointer!.Checkpoints is var now && (now == 0 || now != seen))
        {
            seen = now;
            await Task.Delay(db.CheckpointInterval * 10, cts.Token);
        }
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            await Task.Delay(10, cts.Token);
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
