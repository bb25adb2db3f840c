using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace Candor.Core.Receipts;

/// <summary>The relay's Ed25519 receipt key. It is named and identified the way c2sp.org/signed-note names
/// verifier keys, so one published string (<see cref="VerifierKey"/>: <c>name+hash+base64(0x01 || public key)</c>)
/// lets anyone check receipts offline.</summary>
internal sealed class ReceiptSigner : IDisposable
{
    /// <summary>Length of the private seed in bytes.</summary>
    public const int SeedLength = 32;

    /// <summary>Length of a signature in bytes.</summary>
    public const int SignatureLength = 64;

    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;
    private readonly Key _key;

    /// <summary>Creates a signer from a 32-byte seed.</summary>
    /// <param name="name">The key name (a signed-note key name: no spaces or '+'), for example <c>relay.example/receipts</c>.</param>
    /// <param name="seed">The Ed25519 private seed.</param>
    public ReceiptSigner(string name, ReadOnlySpan<byte> seed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.AsSpan().IndexOfAny([' ', '+', '\n', '\t']) >= 0)
        {
            throw new ArgumentException("A key name has no spaces or '+'.", nameof(name));
        }

        if (seed.Length != SeedLength)
        {
            throw new ArgumentException($"An Ed25519 seed is {SeedLength} bytes.", nameof(seed));
        }

        Name = name;
        _key = Key.Import(Ed25519, seed, KeyBlobFormat.RawPrivateKey);
        PublicKey = _key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        KeyHash = ComputeKeyHash(name, PublicKey);
        KeyId = KeyHash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        VerifierKey = FormatVerifierKey(name, PublicKey);
    }

    /// <summary>The key name.</summary>
    public string Name { get; }

    /// <summary>The 32-byte public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The signed-note key hash: the first four bytes of SHA-256(name || "\n" || 0x01 || public key).</summary>
    public uint KeyHash { get; }

    /// <summary>The key hash as eight lower-case hex digits: the <c>key_id</c> in receipts.</summary>
    public string KeyId { get; }

    /// <summary>The signed-note verifier key: <c>name+hash+base64(0x01 || public key)</c>.</summary>
    public string VerifierKey { get; }

    /// <summary>A signer with a fresh random key (no data directory and no configured key: receipts then verify
    /// only against this process's published key).</summary>
    public static ReceiptSigner CreateEphemeral(string name) => new(name, RandomNumberGenerator.GetBytes(SeedLength));

    /// <summary>Signs <paramref name="data"/> into <paramref name="signature"/> (64 bytes).</summary>
    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature) => Ed25519.Sign(_key, data, signature);

    /// <summary>Checks an Ed25519 signature against a raw public key.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != 32 || signature.Length != SignatureLength)
        {
            return false;
        }

        if (!NSec.Cryptography.PublicKey.TryImport(Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out var key) || key is null)
        {
            return false;
        }

        return Ed25519.Verify(key, data, signature);
    }

    /// <summary>The signed-note key hash of <paramref name="name"/> and an Ed25519 public key.</summary>
    public static uint ComputeKeyHash(string name, ReadOnlySpan<byte> publicKey)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        byte[] input = new byte[nameBytes.Length + 2 + publicKey.Length];
        nameBytes.CopyTo(input, 0);
        input[nameBytes.Length] = (byte)'\n';
        input[nameBytes.Length + 1] = 0x01;
        publicKey.CopyTo(input.AsSpan(nameBytes.Length + 2));
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(input));
    }

    /// <summary>Formats a signed-note verifier key for an Ed25519 public key.</summary>
    public static string FormatVerifierKey(string name, ReadOnlySpan<byte> publicKey)
    {
        byte[] typed = new byte[1 + publicKey.Length];
        typed[0] = 0x01;
        publicKey.CopyTo(typed.AsSpan(1));
        return $"{name}+{ComputeKeyHash(name, publicKey):x8}+{Convert.ToBase64String(typed)}";
    }

    /// <summary>Parses a signed-note Ed25519 verifier key; checks its hash. Returns false when malformed.</summary>
    public static bool TryParseVerifierKey(string text, out string name, out byte[] publicKey)
    {
        name = "";
        publicKey = [];
        string[] parts = text.Trim().Split('+', 3);
        if (parts.Length != 3 || parts[1].Length != 8)
        {
            return false;
        }

        byte[] typed;
        try
        {
            typed = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }

        if (typed.Length != 33 || typed[0] != 0x01)
        {
            return false;
        }

        byte[] key = typed[1..];
        if (!string.Equals(ComputeKeyHash(parts[0], key).ToString("x8", System.Globalization.CultureInfo.InvariantCulture), parts[1], StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        (name, publicKey) = (parts[0], key);
        return true;
    }

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();
}
