using Candor.Core.Accounts;
using Candor.UnitTests.Storage;

namespace Candor.UnitTests.Core.Accounts;

public sealed class ApiKeyCacheTests
{
    private static readonly TimeSpan Timeout = TempStore.Timeout;
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Cache_FollowsCreationRevocationAndDisabling()
    {
        using var t = await TempStore.CreateAsync();
        var a = await t.AccountAsync("a");
        var b = await t.AccountAsync("b");
        var first = await t.KeyAsync(a.Id);
        var ofB = await t.KeyAsync(b.Id);
        var cache = new ApiKeyCache(t.Store, t.Hasher);
        var now = t.Time.GetUtcNow();

        await cache.LoadAsync(now, None).WaitAsync(Timeout);
        Assert.Equal(2, cache.Count);
        Assert.True(cache.TryResolve(first.PlaintextKey, now, out var resolved));
        Assert.Equal(first.Record.Id, resolved.Id);
        Assert.False(cache.TryResolve("sk-cd-" + new string('x', 40), now, out _));
        Assert.False(cache.TryResolve("", now, out _));

        var second = await t.KeyAsync(a.Id);
        Assert.True(await t.Store.RevokeAsync(a.Id, first.Record.Id, None).WaitAsync(Timeout));
        await t.Store.UpdateAccountAsync(b.Id, null, null, true, None).WaitAsync(Timeout);
        Assert.False(cache.TryResolve(second.PlaintextKey, now, out _));

        Assert.Equal(3, await cache.RefreshAsync(None).WaitAsync(Timeout));
        Assert.True(cache.TryResolve(second.PlaintextKey, now, out _));
        Assert.False(cache.TryResolve(first.PlaintextKey, now, out _));
        Assert.False(cache.TryResolve(ofB.PlaintextKey, now, out _));
        Assert.Equal(1, cache.Count);
        Assert.Equal(await t.Store.GetVersionAsync(None).WaitAsync(Timeout), cache.Version);

        await t.Store.UpdateAccountAsync(b.Id, null, null, false, None).WaitAsync(Timeout);
        Assert.Equal(1, await cache.RefreshAsync(None).WaitAsync(Timeout));
        Assert.True(cache.TryResolve(ofB.PlaintextKey, now, out _));
        Assert.Equal(0, await cache.RefreshAsync(None).WaitAsync(Timeout));
    }

    [Fact]
    public async Task HashMadeOnceByAdmission_ResolvesTheKey_AndAHashUnderAnotherSecretIsMadeAgain()
    {
        using var t = await TempStore.CreateAsync();
        var a = await t.AccountAsync("a");
        var key = await t.KeyAsync(a.Id);
        var cache = new ApiKeyCache(t.Store, t.Hasher);
        var now = t.Time.GetUtcNow();
        await cache.LoadAsync(now, None).WaitAsync(Timeout);
        var hash = new char[Candor.Core.Admission.KeyHasher.HexLength];

        t.Hasher.Hash(key.PlaintextKey, hash);
        Assert.True(cache.TryResolve(key.PlaintextKey, t.Hasher, hash, now, out var resolved));
        Assert.Equal(key.Record.Id, resolved.Id);

        // Made under another secret (the snapshot's keys were hashed with an ephemeral one): hashed again here.
        var ephemeral = Candor.Core.Admission.KeyHasher.CreateEphemeral();
        ephemeral.Hash(key.PlaintextKey, hash);
        Assert.True(cache.TryResolve(key.PlaintextKey, ephemeral, hash, now, out _));

        // A hash of another key under the cache's secret does not resolve this one, and an empty key never resolves.
        t.Hasher.Hash(key.PlaintextKey + "x", hash);
        Assert.False(cache.TryResolve(key.PlaintextKey + "x", t.Hasher, hash, now, out _));
        t.Hasher.Hash(key.PlaintextKey, hash);
        Assert.False(cache.TryResolve("", t.Hasher, hash, now, out _));
    }

    [Fact]
    public async Task ExpiredKey_IsRefusedWithoutRefresh()
    {
        using var t = await TempStore.CreateAsync();
        var a = await t.AccountAsync("a");
        var key = await t.KeyAsync(a.Id, new ApiKeyLimits { ExpiresAt = t.Time.GetUtcNow().AddMinutes(5) });
        var cache = new ApiKeyCache(t.Store, t.Hasher);
        await cache.LoadAsync(t.Time.GetUtcNow(), None).WaitAsync(Timeout);

        Assert.True(cache.TryResolve(key.PlaintextKey, t.Time.GetUtcNow(), out _));
        Assert.False(cache.TryResolve(key.PlaintextKey, t.Time.GetUtcNow().AddMinutes(5), out _));
    }
}
