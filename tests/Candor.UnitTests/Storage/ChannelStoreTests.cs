using System.Security.Cryptography;
using Candor.Core.Channels;
using Candor.Core.Security;

namespace Candor.UnitTests.Storage;

public class ChannelStoreTests
{
    /// <summary>The store under test: SQLite here, PostgreSQL in <see cref="PostgresChannelStoreTests"/>.</summary>
    private protected virtual Task<TempStore> CreateStoreAsync() => TempStore.CreateAsync();

    private static readonly TimeSpan Timeout = TempStore.Timeout;

    private static MasterKeyRing Ring(params uint[] ids) => new(ids.ToDictionary(static id => id, static _ => RandomNumberGenerator.GetBytes(32)));

    private static StoredChannel Channel(string id, byte[]? credential, DateTimeOffset now) => new()
    {
        Id = id,
        Provider = "openai",
        BaseUrl = new Uri("https://api.example.com/v1"),
        Headers = new Dictionary<string, string> { ["X-Team"] = "blue" },
        IdleTimeout = TimeSpan.FromMilliseconds(1500),
        SealedCredential = credential,
        CreatedAt = now,
        UpdatedAt = now,
    };

    [SkippableFact]
    public async Task Writes_BumpTheVersion_AndRoundTrip()
    {
        using var t = await CreateStoreAsync();
        var store = t.Store;
        var now = t.Time.GetUtcNow();
        var ring = Ring(1);
        long v0 = await store.GetChannelsVersionAsync(default).WaitAsync(Timeout);

        var channel = Channel("c1", ChannelCredentials.Seal(ring, "c1", "secret"), now);
        Assert.True(await store.AddChannelAsync(channel, [new StoredDeployment("dep_1", "m", "c1", "up", 2, 3, now)], default).WaitAsync(Timeout));
        Assert.False(await store.AddChannelAsync(channel, [], default).WaitAsync(Timeout));
        long v1 = await store.GetChannelsVersionAsync(default).WaitAsync(Timeout);
        Assert.True(v1 > v0);

        var loaded = await store.LoadChannelsAsync(default).WaitAsync(Timeout);
        Assert.Equal(v1, loaded.Version);
        var back = Assert.Single(loaded.Channels);
        Assert.Equal("blue", back.Headers["x-team"]);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), back.IdleTimeout);
        Assert.Equal(1u, back.CredentialKeyId);
        Assert.Equal("secret", ChannelCredentials.Open(ring, "c1", back.SealedCredential!));
        Assert.Equal(new StoredDeployment("dep_1", "m", "c1", "up", 2, 3, now), Assert.Single(loaded.Deployments));

        Assert.True(await store.UpdateChannelAsync(back with { Disabled = true, DisabledReason = "x" }, default).WaitAsync(Timeout));
        Assert.True((await store.GetChannelAsync("c1", default).WaitAsync(Timeout))!.Disabled);
        Assert.True(await store.DeleteChannelAsync("c1", default).WaitAsync(Timeout));
        Assert.False(await store.DeleteChannelAsync("c1", default).WaitAsync(Timeout));
        var empty = await store.LoadChannelsAsync(default).WaitAsync(Timeout);
        Assert.Empty(empty.Channels);
        Assert.Empty(empty.Deployments);
    }

    [SkippableFact]
    public async Task Reseal_MovesEveryCredentialToTheCurrentKey_OrChangesNothing()
    {
        using var t = await CreateStoreAsync();
        var now = t.Time.GetUtcNow();
        byte[] key1 = RandomNumberGenerator.GetBytes(32), key2 = RandomNumberGenerator.GetBytes(32);
        var old = new MasterKeyRing(new Dictionary<uint, byte[]> { [1] = key1 });
        await t.Store.AddChannelAsync(Channel("a", ChannelCredentials.Seal(old, "a", "one"), now), [], default).WaitAsync(Timeout);
        await t.Store.AddChannelAsync(Channel("b", ChannelCredentials.Seal(old, "b", "two"), now), [], default).WaitAsync(Timeout);
        await t.Store.AddChannelAsync(Channel("none", null, now), [], default).WaitAsync(Timeout);

        // A ring without key 1 cannot open them: nothing is written.
        await Assert.ThrowsAnyAsync<CryptographicException>(() => t.Store.ResealCredentialsAsync(Ring(2), default).WaitAsync(Timeout));
        Assert.All((await t.Store.LoadChannelsAsync(default)).Channels.Where(c => c.SealedCredential is not null), c => Assert.Equal(1u, c.CredentialKeyId));

        // With both keys the credentials move to key 2 and open without key 1.
        var both = new MasterKeyRing(new Dictionary<uint, byte[]> { [1] = key1, [2] = key2 });
        Assert.Equal(2, await t.Store.ResealCredentialsAsync(both, default).WaitAsync(Timeout));
        var onlyNew = new MasterKeyRing(new Dictionary<uint, byte[]> { [2] = key2 });
        var loaded = await t.Store.LoadChannelsAsync(default);
        Assert.Equal("one", ChannelCredentials.Open(onlyNew, "a", loaded.Channels.Single(c => c.Id == "a").SealedCredential!));
        Assert.Equal("two", ChannelCredentials.Open(onlyNew, "b", loaded.Channels.Single(c => c.Id == "b").SealedCredential!));
    }
}
