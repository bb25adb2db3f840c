using System.Security.Cryptography;
using System.Text;
using Candor.Core.Security;
using Candor.Storage;

namespace Candor.UnitTests.Core.Security;

public sealed class MasterKeyRingTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "candor-mk-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void SealedValueOpensWithTheSameAssociatedDataOnly()
    {
        var ring = new MasterKeyRing(new Dictionary<uint, byte[]> { [1] = RandomNumberGenerator.GetBytes(32) });
        byte[] sealedValue = ring.Seal("sk-secret"u8, "channel:a:api_key"u8);

        Assert.Equal("sk-secret", Encoding.UTF8.GetString(ring.Open(sealedValue, "channel:a:api_key"u8)));
        Assert.ThrowsAny<CryptographicException>(() => ring.Open(sealedValue, "channel:b:api_key"u8));
        Assert.DoesNotContain("sk-secret", Encoding.Latin1.GetString(sealedValue), StringComparison.Ordinal);
    }

    [Fact]
    public void AnyFlippedBitIsRefused()
    {
        var ring = new MasterKeyRing(new Dictionary<uint, byte[]> { [1] = RandomNumberGenerator.GetBytes(32) });
        byte[] sealedValue = ring.Seal("payload"u8, "ad"u8);
        for (int i = 0; i < sealedValue.Length; i++)
        {
            byte[] tampered = sealedValue.ToArray();
            tampered[i] ^= 0x01;
            Assert.ThrowsAny<CryptographicException>(() => ring.Open(tampered, "ad"u8));
        }
    }

    [Fact]
    public void RotationSealsWithTheNewKeyAndStillOpensOldEnvelopesUntilRetired()
    {
        var first = MasterKeyFile.LoadOrCreate(_directory, null);
        byte[] old = first.Seal("v"u8, "ad"u8);

        var rotated = MasterKeyFile.AddKey(_directory);
        Assert.Equal(first.CurrentKeyId + 1, rotated.CurrentKeyId);
        Assert.Equal("v"u8.ToArray(), rotated.Open(old, "ad"u8));
        byte[] resealed = rotated.Seal(rotated.Open(old, "ad"u8), "ad"u8);
        Assert.Equal(rotated.CurrentKeyId, MasterKeyRing.KeyIdOf(resealed));

        var retired = MasterKeyFile.RetireOlderThan(_directory, rotated.CurrentKeyId);
        Assert.Throws<CryptographicException>(() => retired.Open(old, "ad"u8));
        Assert.Equal("v"u8.ToArray(), MasterKeyFile.LoadOrCreate(_directory, null).Open(resealed, "ad"u8));
    }

    [Fact]
    public void FileIsOwnerOnlyAndStableAcrossLoads()
    {
        var a = MasterKeyFile.LoadOrCreate(_directory, null);
        var b = MasterKeyFile.LoadOrCreate(_directory, null);
        Assert.Equal("x"u8.ToArray(), b.Open(a.Seal("x"u8, default), default));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_directory, MasterKeyFile.FileName)));
        }
    }

    [Fact]
    public void EnvironmentRingIsParsedAndMalformedValuesAreNamed()
    {
        string k1 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        string k2 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var ring = MasterKeyFile.LoadOrCreate(_directory, $"1:{k1},2:{k2}");
        Assert.Equal(2u, ring.CurrentKeyId);
        Assert.False(File.Exists(Path.Combine(_directory, MasterKeyFile.FileName)));

        var error = Assert.Throws<InvalidOperationException>(() => MasterKeyFile.LoadOrCreate(_directory, "1:short"));
        Assert.Contains(MasterKeyFile.EnvironmentVariable, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("short", error.Message, StringComparison.Ordinal);
    }
}
