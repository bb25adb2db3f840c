using System.Security.Cryptography;
using System.Text;

namespace Candor.Core.Admission;

/// <summary>Keyed hash of client API keys (HMAC-SHA256 under a server secret). Keys are compared by
/// their hashes only, so lookups take the same time whatever the presented key is.</summary>
internal sealed class KeyHasher(byte[] secret)
{
    /// <summary>Length of a hash in hex digits (<see cref="Hash(ReadOnlySpan{char}, Span{char})"/>).</summary>
    public const int HexLength = 2 * HMACSHA256.HashSizeInBytes;

    /// <summary>This thread's HMAC context, keyed with <see cref="t_owner"/>'s secret (see <see cref="Mac"/>).</summary>
    [ThreadStatic]
    private static IncrementalHash? t_mac;

    [ThreadStatic]
    private static KeyHasher? t_owner;

    public static KeyHasher CreateEphemeral() => new(RandomNumberGenerator.GetBytes(32));

    /// <summary>The hash as 64 uppercase hex digits.</summary>
    public string Hash(ReadOnlySpan<char> key)
    {
        Span<char> hex = stackalloc char[HexLength];
        Hash(key, hex);
        return new string(hex);
    }

    /// <summary>Writes the hash as 64 uppercase hex digits into <paramref name="hex"/>, without allocating: a lookup
    /// needs the digits only long enough to find the key.</summary>
    public void Hash(ReadOnlySpan<char> key, Span<char> hex)
    {
        Span<byte> utf8 = key.Length <= 256 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(key.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(key.Length)];
        int n = Encoding.UTF8.GetBytes(key, utf8);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var hmac = Mac();
        hmac.AppendData(utf8[..n]);
        hmac.GetHashAndReset(mac);
        // The presented key's bytes do not outlive the call (the larger ones are on the heap until a collection).
        CryptographicOperations.ZeroMemory(utf8[..n]);
        Convert.TryToHexString(mac, hex, out _);
    }

    /// <summary>An HMAC context keyed with this secret, reused by the calling thread. A one-shot HMAC sets the key
    /// up on every call (a context allocated, both padded key blocks hashed, the context freed); the reused context
    /// starts each hash from its keyed state, so a hash costs about the compression of its own bytes. It holds
    /// nothing but the secret this object holds anyway: finishing a hash resets it to the keyed state, which
    /// wipes the presented key's bytes from it. A thread keeps one context, for the last hasher it hashed for
    /// (the server hashes every presented key with one).</summary>
    private IncrementalHash Mac()
    {
        if (!ReferenceEquals(t_owner, this) || t_mac is null)
        {
            t_mac?.Dispose();
            t_mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);
            t_owner = this;
        }

        return t_mac;
    }
}
