using System.Security.Cryptography;
using System.Text;
using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Core.Configuration;

namespace Candor.UnitTests.Core.Admission;

/// <summary>The key hash reuses a per-thread HMAC context: each hash must still be HMAC-SHA256 of that key alone under
/// that hasher's secret, whatever was hashed before on the thread, by this hasher or another.</summary>
public sealed class KeyHasherTests
{
    private static string Expected(byte[] secret, string key) => Convert.ToHexString(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(key)));

    [Fact]
    public void Hash_IsHmacOfTheKeyAlone_WhateverWasHashedBefore_AndWhicheverHasherHashed()
    {
        byte[] first = RandomNumberGenerator.GetBytes(32);
        byte[] second = RandomNumberGenerator.GetBytes(32);
        var a = new KeyHasher(first);
        var b = new KeyHasher(second);
        string[] keys = ["-", "sk-cd-abc", "sk-cd-abc", "", "sk-cd-é漢字🙂", new string('k', 300), new string('x', 5_000), "sk-cd-abc"];
        foreach (string key in keys)
        {
            Assert.Equal(Expected(first, key), a.Hash(key));
            Assert.Equal(Expected(second, key), b.Hash(key));
            Assert.Equal(Expected(first, key), a.Hash(key));
        }

        Span<char> hex = stackalloc char[KeyHasher.HexLength];
        a.Hash("sk-cd-abc", hex);
        Assert.Equal(Expected(first, "sk-cd-abc"), hex.ToString());
        Assert.NotEqual(a.Hash("sk-cd-abc"), b.Hash("sk-cd-abc"));
    }

    [Fact]
    public async Task Hash_OnManyThreadsAtOnce_GivesEachKeysOwnHmac()
    {
        byte[] secret = RandomNumberGenerator.GetBytes(32);
        var hasher = new KeyHasher(secret);
        var other = new KeyHasher(RandomNumberGenerator.GetBytes(32));
        var work = Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < 500; i++)
            {
                string key = $"sk-cd-{t}-{i}";
                Assert.Equal(Expected(secret, key), hasher.Hash(key));
                if (i % 7 == 0)
                {
                    other.Hash(key);
                }
            }
        }));
        await Task.WhenAll(work).WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void KeySet_FromAHashMadeOnce_FindsOnlyItsKeys_AndNeverAnEmptyOne()
    {
        var hasher = KeyHasher.CreateEphemeral();
        var keys = KeySet.Build([new ClientKey { Name = "alice", Value = "sk-alice" }], hasher);
        Span<char> hash = stackalloc char[KeyHasher.HexLength];

        keys.Hasher.Hash("sk-alice", hash);
        Assert.True(keys.TryAuthenticate("sk-alice", hash, out string name));
        Assert.Equal("alice", name);
        Assert.True(keys.TryAuthenticate("sk-alice", out _));

        keys.Hasher.Hash("sk-alicf", hash);
        Assert.False(keys.TryAuthenticate("sk-alicf", hash, out _));
        // An empty key is hashed as "-" and never found, even when a hash of a real key is passed with it.
        keys.Hasher.Hash("sk-alice", hash);
        Assert.False(keys.TryAuthenticate("", hash, out _));
        Assert.False(keys.TryAuthenticate("", out _));
    }
}
