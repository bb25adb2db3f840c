using Candor.Core.Accounts;

namespace Candor.UnitTests.Storage;

public class DurabilityTests
{
    /// <summary>The store under test: SQLite here, PostgreSQL in <see cref="PostgresDurabilityTests"/>.</summary>
    private protected virtual Task<TempStore> CreateStoreAsync() => TempStore.CreateAsync();

    private static readonly TimeSpan Timeout = TempStore.Timeout;
    private static readonly CancellationToken None = CancellationToken.None;

    [SkippableFact]
    public async Task CommittedRecords_AreVisibleToASecondStoreWhileTheFirstIsOpen()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000);
        var key = await t.KeyAsync(account.Id);
        Assert.True(await t.RecordAsync(t.Usage(account.Id, key.Record.Id, "req_1", 100)));

        using var second = await t.OpenSecondAsync();

        Assert.Equal(0, second.MigrationsApplied);
        Assert.Equal(900, await second.GetBalanceAsync(account.Id, None).WaitAsync(Timeout));
        Assert.NotNull(await second.GetUsageAsync(account.Id, "req_1", None).WaitAsync(Timeout));
        Assert.Equal(key.Record.Id, (await second.GetByHashAsync(t.Hasher.Hash(key.PlaintextKey), None).WaitAsync(Timeout))?.Id);

        // Writes from both instances interleave without losing any.
        var writes = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            var usage = t.Usage(account.Id, key.Record.Id, $"req_x{i}", 10);
            var store = i % 2 == 0 ? t.Store : second;
            return await store.RecordUsageAsync(usage, LedgerEntry.ChargeFor(usage), None);
        }));
        Assert.All(await Task.WhenAll(writes).WaitAsync(Timeout), Assert.True);
        Assert.Equal(700, await t.Store.GetBalanceAsync(account.Id, None).WaitAsync(Timeout));
    }

    [SkippableFact]
    public async Task Reopen_KeepsEverything()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000);
        var key = await t.KeyAsync(account.Id);
        Assert.True(await t.RecordAsync(t.Usage(account.Id, key.Record.Id, "req_1", 100)));
        long version = await t.Store.GetVersionAsync(None).WaitAsync(Timeout);

        await t.ReopenAsync();

        Assert.Equal(account, await t.Store.GetAccountAsync(account.Id, None).WaitAsync(Timeout));
        Assert.Equal(900, await t.Store.GetBalanceAsync(account.Id, None).WaitAsync(Timeout));
        Assert.Equal(version, await t.Store.GetVersionAsync(None).WaitAsync(Timeout));
        Assert.Single((await t.Store.ListUsageAsync(account.Id, null, 10, null, None).WaitAsync(Timeout)).Items);
    }
}
