using System.Data.Common;
using Candor.Core.Accounts;

namespace Candor.UnitTests.Storage;

/// <summary>On SQLite the admission record's commit does not wait for an fsync while every other write, the settlement
/// first, waits for one that began after its commit (docs/fail-closed.md, "Crash"; <see cref="Candor.Storage.Sqlite.WalSync"/>):
/// the WAL's fsyncs are counted around each write.</summary>
public sealed class DeferredSyncTests
{
    private static readonly TimeSpan Timeout = TempStore.Timeout;
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task AdmissionCommits_WithoutAnFsync_TheSettlementThatDeletesItAfterOne()
    {
        using var t = await TempStore.CreateAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000);
        var key = await t.KeyAsync(account.Id);
        var sync = Sync(t);

        var usage = t.Usage(account.Id, key.Record.Id, "req_1", 100);
        long before = sync.Fsyncs;
        await t.Store.RecordAdmissionAsync(usage, None).WaitAsync(Timeout);
        Assert.Equal(before, sync.Fsyncs);
        Assert.Equal(1L, await CountAdmissionsAsync(t));

        Assert.True(await t.RecordAsync(usage));
        Assert.True(sync.Fsyncs > before, "the settlement completed without an fsync of the WAL");
        Assert.Equal(0L, await CountAdmissionsAsync(t));
    }

    [Fact]
    public async Task ConcurrentAdmissions_ShareOneCommit_WithoutAnFsync()
    {
        using var t = await TempStore.CreateAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000);
        var key = await t.KeyAsync(account.Id);
        var sync = Sync(t);
        long before = sync.Fsyncs;

        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = t.Store.Database.WriteAsync(async (_, _) => { await release.Task; return 0; }, deferSync: true, None);
        var admissions = Enumerable.Range(0, 20)
            .Select(i => t.Store.RecordAdmissionAsync(t.Usage(account.Id, key.Record.Id, $"req_{i:D2}", 0), None))
            .ToList();
        release.SetResult();
        await holder.WaitAsync(Timeout);
        await Task.WhenAll(admissions).WaitAsync(Timeout);

        Assert.Equal(20L, await CountAdmissionsAsync(t));
        Assert.Equal(before, sync.Fsyncs);
    }

    [Fact]
    public async Task WriterCommitsWithNormal_ReadersKeepFull()
    {
        using var t = await TempStore.CreateAsync();
        Assert.Equal(1L, await t.Store.Database.WriteAsync((c, tx) => ScalarAsync(c, tx, "PRAGMA synchronous"), None).WaitAsync(Timeout));
        var reader = await t.Store.Database.OpenAsync(None);
        await using (reader)
        {
            Assert.Equal(2L, await ScalarAsync(reader, null, "PRAGMA synchronous"));
        }
    }

    private static Candor.Storage.Sqlite.WalSync Sync(TempStore t) =>
        ((Candor.Storage.Sqlite.SqliteDatabase)t.Store.Database).Sync ?? throw new InvalidOperationException("no commit yet");

    private static Task<long> CountAdmissionsAsync(TempStore t) =>
        t.Store.Database.ReadAsync((c, tx) => ScalarAsync(c, tx, "SELECT COUNT(*) FROM admitted_requests"), None).WaitAsync(Timeout);

    private static async Task<long> ScalarAsync(DbConnection c, DbTransaction? tx, string sql)
    {
        using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(None), System.Globalization.CultureInfo.InvariantCulture);
    }
}
