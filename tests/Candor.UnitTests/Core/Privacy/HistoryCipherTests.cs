using System.Security.Cryptography;
using Candor.Core.Privacy;
using Candor.Core.Security;

namespace Candor.UnitTests.Core.Privacy;

public sealed class HistoryCipherTests
{
    private static MasterKeyRing Ring() => new(new Dictionary<uint, byte[]> { [1] = RandomNumberGenerator.GetBytes(32) });

    [Fact]
    public void Entry_RoundTrips_AndIsBoundToItsPlace()
    {
        var ring = Ring();
        var (stored, key) = HistoryCipher.NewDataKey(ring, "acct_a");
        Assert.Equal(key, HistoryCipher.OpenDataKey(ring, stored));
        byte[] plain = "hello 世界"u8.ToArray();
        var sealedEntry = HistoryCipher.Seal(key, plain, HistoryCipher.EntryBinding("acct_a", "hist_1", stored.Id));
        Assert.Equal(plain, HistoryCipher.Open(key, sealedEntry, HistoryCipher.EntryBinding("acct_a", "hist_1", stored.Id)));
        Assert.ThrowsAny<CryptographicException>(() => HistoryCipher.Open(key, sealedEntry, HistoryCipher.EntryBinding("acct_b", "hist_1", stored.Id)));
        Assert.ThrowsAny<CryptographicException>(() => HistoryCipher.OpenDataKey(ring, stored with { AccountId = "acct_b" }));
        Assert.ThrowsAny<CryptographicException>(() => HistoryCipher.Open(RandomNumberGenerator.GetBytes(32), sealedEntry, HistoryCipher.EntryBinding("acct_a", "hist_1", stored.Id)));
    }
}
