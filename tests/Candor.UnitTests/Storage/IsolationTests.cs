using Candor.Core.Accounts;

namespace Candor.UnitTests.Storage;

public class IsolationTests
{
    /// <summary>The store under test: SQLite here, PostgreSQL in <see cref="PostgresIsolationTests"/>.</summary>
    private protected virtual Task<TempStore> CreateStoreAsync() => TempStore.CreateAsync();

    private static readonly TimeSpan Timeout = TempStore.Timeout;
    private static readonly CancellationToken None = CancellationToken.None;

    [SkippableFact]
    public async Task AccountA_NeverSeesOrChangesRowsOfB()
    {
        using var t = await CreateStoreAsync();
        var a = await t.AccountAsync("a", topUpMicros: 1_000_000);
        var b = await t.AccountAsync("b", topUpMicros: 2_000_000);
        var keyA = await t.KeyAsync(a.Id);
        var keyB = await t.KeyAsync(b.Id);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(await t.RecordAsync(t.Usage(a.Id, keyA.Record.Id, $"req_a{i}", 10)));
            Assert.True(await t.RecordAsync(t.Usage(b.Id, keyB.Record.Id, $"req_b{i}", 20)));
        }

        Assert.All(await t.Store.ListKeysAsync(a.Id, None).WaitAsync(Timeout), k => Assert.Equal(a.Id, k.AccountId));
        var usage = await t.Store.ListUsageAsync(a.Id, null, 100, null, None).WaitAsync(Timeout);
        Assert.Equal(5, usage.Items.Count);
        Assert.All(usage.Items, u => Assert.Equal(a.Id, u.AccountId));
        Assert.Empty((await t.Store.ListUsageAsync(a.Id, keyB.Record.Id, 100, null, None).WaitAsync(Timeout)).Items);
        var ledger = await t.Store.ListLedgerAsync(a.Id, 100, null, None).WaitAsync(Timeout);
        Assert.Equal(6, ledger.Items.Count);
        Assert.All(ledger.Items, e => Assert.Equal(a.Id, e.AccountId));

        Assert.Null(await t.Store.GetKeyAsync(a.Id, keyB.Record.Id, None).WaitAsync(Timeout));
        Assert.Null(await t.Store.GetUsageAsync(a.Id, "req_b0", None).WaitAsync(Timeout));
        Assert.False(await t.Store.RevokeAsync(a.Id, keyB.Record.Id, None).WaitAsync(Timeout));
        Assert.Null(await t.Store.UpdateLimitsAsync(a.Id, keyB.Record.Id, new ApiKeyLimits { RpmLimit = 1 }, None).WaitAsync(Timeout));

        var keyBAfter = await t.Store.GetKeyAsync(b.Id, keyB.Record.Id, None).WaitAsync(Timeout);
        Assert.Null(keyBAfter!.RevokedAt);
        Assert.Null(keyBAfter.RpmLimit);
        Assert.Equal(999_950, await t.Store.GetBalanceAsync(a.Id, None).WaitAsync(Timeout));
        Assert.Equal(1_999_900, await t.Store.GetBalanceAsync(b.Id, None).WaitAsync(Timeout));
    }

    [SkippableFact]
    public async Task ChargeForAnotherAccount_IsRefused()
    {
        using var t = await CreateStoreAsync();
        var a = await t.AccountAsync("a");
        var b = await t.AccountAsync("b");
        var keyA = await t.KeyAsync(a.Id);
        var usage = t.Usage(a.Id, keyA.Record.Id, "req_1", 10);

        await Assert.ThrowsAsync<ArgumentException>(() =>
            t.Store.RecordUsageAsync(usage, LedgerEntry.ChargeFor(usage) with { AccountId = b.Id }, None).WaitAsync(Timeout));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            t.Store.RecordUsageAsync(usage, LedgerEntry.ChargeFor(usage) with { AmountMicros = -9 }, None).WaitAsync(Timeout));
        await Assert.ThrowsAsync<ArgumentException>(() => t.Store.RecordUsageAsync(usage, null, None).WaitAsync(Timeout));
        Assert.Null(await t.Store.GetUsageAsync(a.Id, "req_1", None).WaitAsync(Timeout));
    }
}
