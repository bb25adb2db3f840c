using System.Data.Common;
using Candor.Core.Accounts;

namespace Candor.UnitTests.Storage;

/// <summary>On SQLite the admission record's commit skips its own fsync (synchronous=NORMAL in WAL mode) while every other
/// write, the settlement first, stays synchronous=FULL (docs/fail-closed.md, "Crash"). Temporary triggers on the writer's
/// connection record the setting each write ran with.</summary>
public sealed class DeferredSyncTests
{
    private static readonly TimeSpan Timeout = TempStore.Timeout;
    private static readonly CancellationToken None = CancellationToken.None;

    private const long Normal = 1;
    private const long Full = 2;

    [Fact]
    public async Task AdmissionCommits_WithNormalSync_TheSettlementThatDeletesItWithFull()
    {
        using var t = await TempStore.CreateAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000);
        var key = await t.KeyAsync(account.Id);
        await RecordSyncOnAdmissionsAsync(t);

        var usage = t.Usage(account.Id, key.Record.Id, "req_1", 100);
        await t.Store.RecordAdmissionAsync(usage, None).WaitAsync(Timeout);
        Assert.True(await t.RecordAsync(usage));

        Assert.Equal([("insert", Normal), ("delete", Full)], await SeenAsync(t));
        Assert.Equal(Full, await SyncOfNextWriteAsync(t));
    }

    [Fact]
    public async Task ConcurrentAdmissions_ShareOneNormalCommit_AndLeaveTheWriterFull()
    {
        using var t = await TempStore.CreateAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000);
        var key = await t.KeyAsync(account.Id);
        await RecordSyncOnAdmissionsAsync(t);

        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = t.Store.Database.WriteAsync(async (_, _) => { await release.Task; return 0; }, None);
        var admissions = Enumerable.Range(0, 20)
            .Select(i => t.Store.RecordAdmissionAsync(t.Usage(account.Id, key.Record.Id, $"req_{i:D2}", 0), None))
            .ToList();
        release.SetResult();
        await holder.WaitAsync(Timeout);
        await Task.WhenAll(admissions).WaitAsync(Timeout);

        var seen = await SeenAsync(t);
        Assert.Equal(20, seen.Count);
        Assert.All(seen, s => Assert.Equal(("insert", Normal), s));
        Assert.Equal(Full, await SyncOfNextWriteAsync(t));
    }

    [Fact]
    public async Task DeferredWriteThatFails_LeavesTheNextWriteFull()
    {
        using var t = await TempStore.CreateAsync();
        Assert.Equal(Normal, await t.Store.Database.WriteAsync(SyncAsync, deferSync: true, None).WaitAsync(Timeout));

        await Assert.ThrowsAsync<InvalidOperationException>(() => t.Store.Database.WriteAsync<long>(
            static (_, _) => throw new InvalidOperationException("injected"), deferSync: true, None).WaitAsync(Timeout));

        Assert.Equal(Full, await SyncOfNextWriteAsync(t));
    }

    private static Task<long> SyncOfNextWriteAsync(TempStore t) => t.Store.Database.WriteAsync(SyncAsync, None).WaitAsync(Timeout);

    private static async Task<long> SyncAsync(DbConnection c, DbTransaction tx)
    {
        using var pragma = c.CreateCommand();
        pragma.Transaction = tx;
        pragma.CommandText = "PRAGMA synchronous";
        return Convert.ToInt64(await pragma.ExecuteScalarAsync(None), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Temporary (connection-local) triggers on the writer's connection: each insert into and delete from
    /// admitted_requests records the synchronous setting its transaction runs with.</summary>
    private static Task RecordSyncOnAdmissionsAsync(TempStore t) =>
        t.Store.Database.WriteAsync(async (c, tx) =>
        {
            using var create = c.CreateCommand();
            create.Transaction = tx;
            create.CommandText = """
                CREATE TEMP TABLE seen (n INTEGER PRIMARY KEY, op TEXT NOT NULL, sync INTEGER NOT NULL);
                CREATE TEMP TRIGGER seen_insert AFTER INSERT ON main.admitted_requests
                  BEGIN INSERT INTO seen (op, sync) SELECT 'insert', synchronous FROM pragma_synchronous; END;
                CREATE TEMP TRIGGER seen_delete AFTER DELETE ON main.admitted_requests
                  BEGIN INSERT INTO seen (op, sync) SELECT 'delete', synchronous FROM pragma_synchronous; END;
                """;
            return await create.ExecuteNonQueryAsync(None);
        }, None).WaitAsync(Timeout);

    private static Task<List<(string, long)>> SeenAsync(TempStore t) =>
        t.Store.Database.WriteAsync(async (c, tx) =>
        {
            using var select = c.CreateCommand();
            select.Transaction = tx;
            select.CommandText = "SELECT op, sync FROM seen ORDER BY n";
            var seen = new List<(string, long)>();
            using var reader = await select.ExecuteReaderAsync(None);
            while (await reader.ReadAsync(None))
            {
                seen.Add((reader.GetString(0), reader.GetInt64(1)));
            }

            return seen;
        }, None).WaitAsync(Timeout);
}
