using Candor.Core.Receipts;
using Candor.Storage;
using Candor.Storage.Relational;
using Microsoft.Data.Sqlite;

namespace Candor.UnitTests.Storage;

/// <summary>Receipts' transparency-log indexes in the store: found by receipt id, the receipts without one listed at
/// start (a crash between store and append, or a failed append), the last one recorded for the start-up cross-check — on
/// both engines and across a reopen. SQLite appends them to <c>receipt_leaves</c> and never rewrites the receipt's row;
/// an existing database migrates with its receipts' indexes kept; PostgreSQL folds rows a copy from SQLite brings into
/// <c>receipts.leaf_index</c>.</summary>
public sealed class ReceiptLeavesTests
{
    private static readonly TimeSpan Timeout = TempStore.Timeout;

    [Fact]
    public Task Sqlite_IndexesFoundById_UnloggedListed_AcrossAReopen() => IndexesFoundById_UnloggedListed_AcrossAReopenAsync(TempStore.CreateAsync);

    [SkippableFact]
    public Task Postgres_IndexesFoundById_UnloggedListed_AcrossAReopen() => IndexesFoundById_UnloggedListed_AcrossAReopenAsync(TempStore.CreatePostgresAsync);

    private static async Task IndexesFoundById_UnloggedListed_AcrossAReopenAsync(Func<Task<TempStore>> create)
    {
        using var t = await create();
        var receipts = await SaveAsync(t, 6);

        // One batch, not in log order; receipts 3 and 5 not logged (a failed append, a crash before the append).
        await t.Store.SetLeafIndicesAsync([(receipts[4].Id, 13), (receipts[0].Id, 10), (receipts[2].Id, 12), (receipts[1].Id, 11)], CancellationToken.None).WaitAsync(Timeout);
        for (int reopen = 0; reopen < 2; reopen++)
        {
            Assert.Equal(new long?[] { 10L, 11L, 12L, null, 13L, null }, await IndexesAsync(t.Store, receipts));
            Assert.Equal(new[] { receipts[3].Id, receipts[5].Id }, (await t.Store.ListUnloggedAsync(100, CancellationToken.None).WaitAsync(Timeout)).Select(static r => r.Id).ToArray());
            Assert.Equal(new[] { receipts[3].Id }, (await t.Store.ListUnloggedAsync(1, CancellationToken.None).WaitAsync(Timeout)).Select(static r => r.Id).ToArray());
            var last = await t.Store.LastLoggedAsync(CancellationToken.None).WaitAsync(Timeout);
            Assert.Equal((receipts[4].Id, 13L), (last!.Id, last.LeafIndex));
            Assert.Equal(receipts[4].Body, last.Body);
            await t.ReopenAsync();
        }

        // The next batch (higher indexes, as the log hands them out) logs the rest; a receipt stored later stays unlogged.
        var later = (await SaveAsync(t, 1, first: 6))[0];
        await t.Store.SetLeafIndicesAsync([(receipts[5].Id, 15), (receipts[3].Id, 14)], CancellationToken.None).WaitAsync(Timeout);
        for (int reopen = 0; reopen < 2; reopen++)
        {
            Assert.Equal(new long?[] { 10L, 11L, 12L, 14L, 13L, 15L }, await IndexesAsync(t.Store, receipts));
            Assert.Equal(new[] { later.Id }, (await t.Store.ListUnloggedAsync(100, CancellationToken.None).WaitAsync(Timeout)).Select(static r => r.Id).ToArray());
            var last = await t.Store.LastLoggedAsync(CancellationToken.None).WaitAsync(Timeout);
            Assert.Equal((receipts[5].Id, 15L), (last!.Id, last.LeafIndex));
            await t.ReopenAsync();
        }

        // A receipt appended again (its index was lost) keeps the newer index.
        await t.Store.SetLeafIndicesAsync([(later.Id, 16), (receipts[0].Id, 17)], CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(17, (await t.Store.GetAsync(receipts[0].Id, CancellationToken.None).WaitAsync(Timeout))!.LeafIndex);
        Assert.Empty(await t.Store.ListUnloggedAsync(100, CancellationToken.None).WaitAsync(Timeout));
        await t.ReopenAsync();
        Assert.Equal(17, (await t.Store.GetAsync(receipts[0].Id, CancellationToken.None).WaitAsync(Timeout))!.LeafIndex);
        Assert.Empty(await t.Store.ListUnloggedAsync(100, CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(17, (await t.Store.LastLoggedAsync(CancellationToken.None).WaitAsync(Timeout))!.LeafIndex);
    }

    [Fact]
    public async Task Sqlite_RecordingIndexes_AppendsNarrowRows_AndNeverWritesTheReceiptsRows()
    {
        using var t = await TempStore.CreateAsync();
        var receipts = await SaveAsync(t, 4);
        string before = await ReceiptRowsAsync(t.Store.DatabasePath);

        await t.Store.SetLeafIndicesAsync([(receipts[0].Id, 0), (receipts[1].Id, 1), (receipts[3].Id, 2)], CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(before, await ReceiptRowsAsync(t.Store.DatabasePath));
        Assert.Equal(3, await ScalarAsync(t.Store.DatabasePath, "SELECT COUNT(*) FROM receipt_leaves"));
        Assert.Equal(0, await ScalarAsync(t.Store.DatabasePath, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_receipts_unlogged'"));

        // The watermark stops before the first receipt without an index, and moves once it has one.
        Assert.Equal(receipts[1].Id, await MarkAsync(t.Store.DatabasePath));
        await t.Store.SetLeafIndicesAsync([(receipts[2].Id, 3)], CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(receipts[3].Id, await MarkAsync(t.Store.DatabasePath));
        Assert.Equal(before, await ReceiptRowsAsync(t.Store.DatabasePath));
    }

    [Fact]
    public async Task Sqlite_AReceiptNeverQueued_IsPassedOnceOld_AndStaysListedUntilLogged()
    {
        using var t = await TempStore.CreateAsync();
        var receipts = await SaveAsync(t, 4);
        await t.Store.SetLeafIndicesAsync([(receipts[0].Id, 0), (receipts[2].Id, 1), (receipts[3].Id, 2)], CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(receipts[0].Id, await MarkAsync(t.Store.DatabasePath)); // receipt 1 is young: on its way to the log

        // A minute on, receipt 1 was never queued (sealed by a withheld request's resolution, or its append failed): the
        // watermark passes it and lists it, so that every later start does not read every receipt stored since.
        t.Time.Advance(RelationalStore.HoleAge + TimeSpan.FromSeconds(5));
        var later = (await SaveAsync(t, 1, first: 4))[0];
        await t.Store.SetLeafIndicesAsync([(later.Id, 3)], CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(later.Id, await MarkAsync(t.Store.DatabasePath));
        Assert.Equal(1, await ScalarAsync(t.Store.DatabasePath, "SELECT COUNT(*) FROM receipt_log_holes"));
        for (int reopen = 0; reopen < 2; reopen++)
        {
            Assert.Equal(new[] { receipts[1].Id }, (await t.Store.ListUnloggedAsync(100, CancellationToken.None).WaitAsync(Timeout)).Select(static r => r.Id).ToArray());
            await t.ReopenAsync();
        }

        // The start's backlog appends it: no longer listed, and its hole is dropped.
        await t.Store.SetLeafIndicesAsync([(receipts[1].Id, 4)], CancellationToken.None).WaitAsync(Timeout);
        Assert.Empty(await t.Store.ListUnloggedAsync(100, CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(0, await ScalarAsync(t.Store.DatabasePath, "SELECT COUNT(*) FROM receipt_log_holes"));
        await t.ReopenAsync();
        Assert.Empty(await t.Store.ListUnloggedAsync(100, CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(new long?[] { 0L, 4L, 1L, 2L }, await IndexesAsync(t.Store, receipts));
    }

    [Fact]
    public async Task Sqlite_DatabaseOfBefore_Migrates_KeepingItsReceiptsIndexes()
    {
        using var t = await TempStore.CreateAsync();
        var receipts = await SaveAsync(t, 5);

        // The database as migration 22 left it: indexes in the receipts' rows (receipts 2 and 4 unlogged).
        await ExecuteAsync(t.Store.DatabasePath, $"""
            DROP TABLE receipt_leaves;
            DROP TABLE receipt_log_holes;
            DELETE FROM schema_migrations WHERE version = 23;
            CREATE INDEX ix_receipts_unlogged ON receipts (leaf_index, created_at);
            UPDATE receipts SET leaf_index = 5 WHERE id = '{receipts[0].Id}';
            UPDATE receipts SET leaf_index = 6 WHERE id = '{receipts[1].Id}';
            UPDATE receipts SET leaf_index = 8 WHERE id = '{receipts[3].Id}';
            """);
        await t.ReopenAsync();

        Assert.Equal(1, t.Store.MigrationsApplied);
        Assert.Equal(0, await ScalarAsync(t.Store.DatabasePath, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_receipts_unlogged'"));
        Assert.Equal(new long?[] { 5L, 6L, null, 8L, null }, await IndexesAsync(t.Store, receipts));
        Assert.Equal(new[] { receipts[2].Id, receipts[4].Id }, (await t.Store.ListUnloggedAsync(100, CancellationToken.None).WaitAsync(Timeout)).Select(static r => r.Id).ToArray());
        Assert.Equal(8, (await t.Store.LastLoggedAsync(CancellationToken.None).WaitAsync(Timeout))!.LeafIndex);
        Assert.Equal(receipts[1].Id, await MarkAsync(t.Store.DatabasePath));

        await t.Store.SetLeafIndicesAsync([(receipts[2].Id, 9), (receipts[4].Id, 10)], CancellationToken.None).WaitAsync(Timeout);
        await t.ReopenAsync();
        Assert.Equal(new long?[] { 5L, 6L, 9L, 8L, 10L }, await IndexesAsync(t.Store, receipts));
        Assert.Empty(await t.Store.ListUnloggedAsync(100, CancellationToken.None).WaitAsync(Timeout));
        var last = await t.Store.LastLoggedAsync(CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal((receipts[4].Id, 10L), (last!.Id, last.LeafIndex));
        Assert.Equal(receipts[4].Id, await MarkAsync(t.Store.DatabasePath));
    }

    [SkippableFact]
    public async Task SqliteCopiedToPostgres_ReceiptsKeepTheirIndexes_AndAreNotTakenAsUnlogged()
    {
        await using var schema = await TestPostgres.CreateSchemaAsync().WaitAsync(Timeout);
        using var source = await TempStore.CreateAsync();
        var receipts = await SaveAsync(source, 3);
        await source.Store.SetLeafIndicesAsync([(receipts[0].Id, 0), (receipts[2].Id, 1)], CancellationToken.None).WaitAsync(Timeout);
        using (var target = await PostgresStore.OpenAsync(schema.ConnectionString, null, source.Hasher, source.Time, CancellationToken.None).WaitAsync(Timeout))
        {
            await StoreCopy.CopyAsync(source.Store, target, CancellationToken.None).WaitAsync(Timeout);
        }

        // The next open (the node's start) folds the copied rows into receipts.leaf_index, where PostgreSQL keeps them.
        using var reopened = await PostgresStore.OpenAsync(schema.ConnectionString, null, source.Hasher, source.Time, CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(new long?[] { 0L, null, 1L }, await IndexesAsync(reopened, receipts));
        Assert.Equal(new[] { receipts[1].Id }, (await reopened.ListUnloggedAsync(100, CancellationToken.None).WaitAsync(Timeout)).Select(static r => r.Id).ToArray());
        Assert.Equal(1, (await reopened.LastLoggedAsync(CancellationToken.None).WaitAsync(Timeout))!.LeafIndex);
        Assert.Equal(0, (await StoreCopy.SumAsync(reopened, "receipt_leaves", CancellationToken.None)).Rows);
    }

    private static async Task<List<StoredReceipt>> SaveAsync(TempStore t, int count, int first = 0)
    {
        var saved = new List<StoredReceipt>();
        for (int i = first; i < first + count; i++)
        {
            var receipt = new StoredReceipt($"rcpt_{i:D3}", "config:test", null, t.Time.GetUtcNow().AddSeconds(i), [(byte)i, 0, 255], null);
            await t.Store.SaveAsync(receipt, CancellationToken.None).WaitAsync(Timeout);
            saved.Add(receipt);
        }

        return saved;
    }

    private static async Task<long?[]> IndexesAsync(RelationalStore store, IEnumerable<StoredReceipt> receipts)
    {
        var indexes = new List<long?>();
        foreach (var r in receipts)
        {
            var stored = await store.GetAsync(r.Id, CancellationToken.None).WaitAsync(Timeout);
            Assert.Equal(r.Body, stored!.Body);
            indexes.Add(stored.LeafIndex);
        }

        return [.. indexes];
    }

    private static SqliteConnection Open(string databasePath) =>
        new(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());

    private static async Task ExecuteAsync(string databasePath, string sql)
    {
        using var connection = Open(databasePath);
        await connection.OpenAsync().WaitAsync(Timeout);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync().WaitAsync(Timeout);
    }

    private static async Task<long> ScalarAsync(string databasePath, string sql)
    {
        using var connection = Open(databasePath);
        await connection.OpenAsync().WaitAsync(Timeout);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync().WaitAsync(Timeout), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The newest watermark written (the receipt up to which every stored one is logged).</summary>
    private static async Task<string?> MarkAsync(string databasePath)
    {
        using var connection = Open(databasePath);
        await connection.OpenAsync().WaitAsync(Timeout);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT logged_through FROM receipt_leaves WHERE logged_through IS NOT NULL ORDER BY rowid DESC LIMIT 1";
        return (string?)await command.ExecuteScalarAsync().WaitAsync(Timeout);
    }

    /// <summary>Every receipt row as stored, columns and rowid, in one string.</summary>
    private static async Task<string> ReceiptRowsAsync(string databasePath)
    {
        using var connection = Open(databasePath);
        await connection.OpenAsync().WaitAsync(Timeout);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT group_concat(rowid || ':' || id || ':' || created_at || ':' || hex(body) || ':' || COALESCE(leaf_index, 'null'), ';') FROM receipts";
        return (string)(await command.ExecuteScalarAsync().WaitAsync(Timeout))!;
    }
}
