using System.Security.Cryptography;
using System.Text;

namespace Candor.Core.Admission;

/// <summary>Keyed hash of client API keys (HMAC-SHA256 under a server secret). Keys are compared by
/// their hashes only, so lookups take the same time whatever the presented key is.</summary>
internal sealed class KeyHasher(byte[] secret)
{
    public static KeyHasher CreateEphemeral() => new(RandomNumberGenerator.GetBytes(32));

    public string Hash(ReadOnlySpan<char> key)
    {
        Span<byte> utf8 = key.Length <= 256 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(key.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(key.Length)];
        int n = Encoding.UTF8.GetBytes(key, utf8);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(secret, utf8[..n], mac);
        return Convert.ToHexString(mac);
    }
}
