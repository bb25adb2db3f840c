using System.Data.Common;
using Candor.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Candor.UnitTests.Storage;

/// <summary>The writer's prepared statements on SQLite (<see cref="SqliteWriterCommand"/>) bind by position and run with
/// SQLite's own calls: they must write, count, refuse and fail exactly as Microsoft.Data.Sqlite's command does.</summary>
public sealed class SqliteWriterCommandTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan Timeout = TempStore.Timeout;

    private const string Insert = "INSERT INTO t (id, name, amount, body) VALUES (@id, @name, @amount, @body) ON CONFLICT (id) DO NOTHING";
    private const string AddAmount = "UPDATE t SET amount = amount + @amount WHERE id = @id AND amount + @amount >= 0";

    private readonly string _directory = Directory.CreateTempSubdirectory("candor-writercommand-").FullName;

    [Fact]
    public async Task Prepared_IsTheWriterCommand_ForOneStatement_AndAnOrdinaryCommandForSeveral()
    {
        using var db = await OpenAsync();
        await db.WriteAsync((c, tx) =>
        {
            var one = Assert.IsType<SqliteWriterCommand>(db.Prepared(c, tx, Insert));
            Assert.Equal(["@id", "@name", "@amount", "@body"], one.ParameterNames);
            // The same parameter twice is one position: SQLite numbers a name once.
            Assert.Equal(["@amount", "@id"], Assert.IsType<SqliteWriterCommand>(db.Prepared(c, tx, AddAmount)).ParameterNames);
            Assert.IsType<SqliteCommand>(db.Prepared(c, tx, "SELECT 1; SELECT 2"));
            Assert.Same(one, db.Prepared(c, tx, Insert));
            return Task.FromResult(true);
        }, None).WaitAsync(Timeout);
    }

    [Fact]
    public async Task Insert_BindsEveryType_AndCountsRows_AndAConflictChangesNothing()
    {
        using var db = await OpenAsync();
        byte[] body = [0, 1, 2, 255];
        string name = "héllo " + new string('x', 600); // longer than the stack buffer, and not ASCII
        int first = await db.WriteAsync((c, tx) => Run(db, c, tx, 1, name, 5L, body), None).WaitAsync(Timeout);
        int again = await db.WriteAsync((c, tx) => Run(db, c, tx, 1, "other", 6L, body), None).WaitAsync(Timeout);
        int nulls = await db.WriteAsync((c, tx) => Run(db, c, tx, 2, null, 0L, null), None).WaitAsync(Timeout);

        Assert.Equal(1, first);
        Assert.Equal(0, again);
        Assert.Equal(1, nulls);
        var rows = await ReadAsync(db);
        Assert.Equal((1L, name, 5L), (rows[0].Id, Assert.IsType<string>(rows[0].Name), rows[0].Amount));
        Assert.Equal(body, Assert.IsType<byte[]>(rows[0].Body));
        Assert.Equal((2L, DBNull.Value, 0L, DBNull.Value), (rows[1].Id, rows[1].Name, rows[1].Amount, rows[1].Body));
    }

    [Fact]
    public async Task AnExecution_LeavesNoValueBehind_AndTheNextOneBindsItsOwn()
    {
        using var db = await OpenAsync();
        SqliteWriterCommand? command = null;
        await db.WriteAsync(async (c, tx) =>
        {
            int rows = await Run(db, c, tx, 1, "secret-looking text", 5L, [1, 2, 3]);
            command = Assert.IsType<SqliteWriterCommand>(db.Prepared(c, tx, Insert));
            return rows;
        }, None).WaitAsync(Timeout);
        Assert.False(command!.HoldsValues());

        // A failed execution lets go of its values too.
        await Assert.ThrowsAsync<SqliteException>(() => db.WriteAsync((c, tx) =>
            db.Prepared(c, tx, Insert).Add("@id", 2L).Add("@name", "x").Add("@amount", null).Add("@body", null).ExecuteNonQueryAsync(None), None).WaitAsync(Timeout));
        Assert.False(command.HoldsValues());

        // The reused parameter objects bind the next execution's values, not the cleared ones.
        Assert.Equal(1, await db.WriteAsync((c, tx) => Run(db, c, tx, 3, "next", 7L, null), None).WaitAsync(Timeout));
        var rows = await ReadAsync(db);
        Assert.Equal((3L, "next", 7L), (rows[^1].Id, Assert.IsType<string>(rows[^1].Name), rows[^1].Amount));
    }

    [Fact]
    public async Task ParametersOutOfTheStatementsOrder_BindByName()
    {
        using var db = await OpenAsync();
        await db.WriteAsync((c, tx) => Run(db, c, tx, 1, "a", 10L, null), None).WaitAsync(Timeout);

        // @id before @amount: the reverse of the statement's order.
        int changed = await db.WriteAsync((c, tx) => db.Prepared(c, tx, AddAmount).Add("@id", 1L).Add("@amount", -4L).ExecuteNonQueryAsync(None), None)
            .WaitAsync(Timeout);
        int refused = await db.WriteAsync((c, tx) => db.Prepared(c, tx, AddAmount).Add("@amount", -7L).Add("@id", 1L).ExecuteNonQueryAsync(None), None)
            .WaitAsync(Timeout);

        Assert.Equal(1, changed);
        Assert.Equal(0, refused);
        Assert.Equal(6L, (await ReadAsync(db))[0].Amount);
    }

    [Fact]
    public async Task AMissingOrUnknownParameter_Throws_AndTheStatementStaysUsable()
    {
        using var db = await OpenAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            db.WriteAsync((c, tx) => db.Prepared(c, tx, AddAmount).Add("@amount", 1L).ExecuteNonQueryAsync(None), None).WaitAsync(Timeout));
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            db.WriteAsync((c, tx) => db.Prepared(c, tx, AddAmount).Add("@amount", 1L).Add("@key", 1L).ExecuteNonQueryAsync(None), None).WaitAsync(Timeout));
        await Assert.ThrowsAsync<NotSupportedException>(() =>
            db.WriteAsync((c, tx) => db.Prepared(c, tx, AddAmount).Add("@amount", 1m).Add("@id", 1L).ExecuteNonQueryAsync(None), None).WaitAsync(Timeout));

        Assert.Equal(1, await db.WriteAsync((c, tx) => Run(db, c, tx, 1, "a", 1L, null), None).WaitAsync(Timeout));
    }

    [Fact]
    public async Task AConstraintViolation_IsASqliteException_AndRollsTheTransactionBack()
    {
        using var db = await OpenAsync();
        var error = await Assert.ThrowsAsync<SqliteException>(() => db.WriteAsync(async (c, tx) =>
        {
            await Run(db, c, tx, 1, "a", 1L, null);
            // amount is NOT NULL.
            return await db.Prepared(c, tx, Insert).Add("@id", 2L).Add("@name", "b").Add("@amount", null).Add("@body", null).ExecuteNonQueryAsync(None);
        }, None).WaitAsync(Timeout));

        Assert.Equal(19, error.SqliteErrorCode); // SQLITE_CONSTRAINT
        Assert.Empty(await ReadAsync(db));

        // The writer's connection was replaced; its statements are compiled again and work.
        Assert.Equal(1, await db.WriteAsync((c, tx) => Run(db, c, tx, 3, "c", 1L, null), None).WaitAsync(Timeout));
        Assert.Single(await ReadAsync(db));
    }

    [Fact]
    public async Task Returning_GivesTheScalar_AndNullWithoutARow()
    {
        using var db = await OpenAsync();
        await db.WriteAsync((c, tx) => Run(db, c, tx, 1, "a", 42L, null), None).WaitAsync(Timeout);

        const string delete = "DELETE FROM t WHERE id = @id RETURNING amount";
        object? deleted = await db.WriteAsync((c, tx) => db.Prepared(c, tx, delete).Add("@id", 1L).ExecuteScalarAsync(None), None).WaitAsync(Timeout);
        object? none = await db.WriteAsync((c, tx) => db.Prepared(c, tx, delete).Add("@id", 1L).ExecuteScalarAsync(None), None).WaitAsync(Timeout);

        Assert.Equal(42L, deleted);
        Assert.Null(none);
        Assert.Empty(await ReadAsync(db));

        // Run without reading, the statement still counts the rows it changed.
        await db.WriteAsync((c, tx) => Run(db, c, tx, 2, "b", 7L, null), None).WaitAsync(Timeout);
        int changed = await db.WriteAsync((c, tx) => db.Prepared(c, tx, delete).Add("@id", 2L).ExecuteNonQueryAsync(None), None).WaitAsync(Timeout);
        Assert.Equal(1, changed);
        Assert.Empty(await ReadAsync(db));
    }

    private static Task<int> Run(SqliteDatabase db, DbConnection c, DbTransaction tx, long id, string? name, long amount, byte[]? body) =>
        db.Prepared(c, tx, Insert).Add("@id", id).Add("@name", name).Add("@amount", amount).Add("@body", body).ExecuteNonQueryAsync(None);

    private async Task<SqliteDatabase> OpenAsync()
    {
        var db = new SqliteDatabase(Path.Combine(_directory, "candor.db")) { CheckpointInterval = TimeSpan.FromHours(1) };
        await db.MigrateAsync(TimeProvider.System, None).WaitAsync(Timeout);
        await db.WriteAsync(async (c, tx) =>
        {
            using var create = c.CreateCommand();
            create.Transaction = tx;
            create.CommandText = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, amount INTEGER NOT NULL, body BLOB)";
            return await create.ExecuteNonQueryAsync(None);
        }, None).WaitAsync(Timeout);
        return db;
    }

    private static async Task<List<(long Id, object Name, long Amount, object Body)>> ReadAsync(SqliteDatabase db)
    {
        var connection = await db.OpenAsync(None);
        await using (connection)
        {
            using var select = connection.CreateCommand();
            select.CommandText = "SELECT id, name, amount, body FROM t ORDER BY id";
            using var reader = await select.ExecuteReaderAsync(None);
            var rows = new List<(long, object, long, object)>();
            while (await reader.ReadAsync(None))
            {
                rows.Add((reader.GetInt64(0), reader.GetValue(1), reader.GetInt64(2), reader.GetValue(3)));
            }

            return rows;
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory must not fail a test.
        }
    }
}
