using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Candor.Transparency.Notes;
using NSec.Cryptography;

namespace Candor.Transparency.Witness;

/// <summary>A witness's Ed25519 cosigning key (c2sp.org/tlog-cosignature, <c>cosignature/v1</c>). The key is stored
/// as a signed-note private key string (<c>PRIVATE+KEY+name+id+base64(0x01 || seed)</c>); as a cosigner its identity
/// is the cosignature type 0x04: key id <c>SHA-256(name || "\n" || 0x04 || public key)[:4]</c> and verifier key
/// <c>name+id+base64(0x04 || public key)</c>.</summary>
public sealed class Cosigner : IDisposable
{
    /// <summary>The signature type byte of Ed25519 cosignatures (tlog-cosignature).</summary>
    public const byte CosignatureType = 0x04;

    private readonly Key _key;
    private readonly byte[] _publicKey;

    private Cosigner(string name, Key key)
    {
        Name = name;
        _key = key;
        _publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        KeyId = ComputeKeyId(name, _publicKey);
        VerifierKey = string.Create(CultureInfo.InvariantCulture, $"{name}+{KeyId:x8}+{Convert.ToBase64String([CosignatureType, .. _publicKey])}");
    }

    /// <summary>The cosigner's name (a schema-less URL, e.g. <c>witness.example/w1</c>).</summary>
    public string Name { get; }

    /// <summary>The cosignature key id.</summary>
    public uint KeyId { get; }

    /// <summary>The cosigner's verifier key string (type 0x04), for logs and clients to configure.</summary>
    public string VerifierKey { get; }

    /// <summary>A cosigner over a new CSPRNG key; <paramref name="privateKey"/> receives its key string to store.</summary>
    public static Cosigner Generate(string name, out string privateKey)
    {
        if (!NoteKeys.IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a valid key name (no spaces, no '+').", nameof(name));
        }

        byte[] seed = RandomNumberGenerator.GetBytes(32);
        var cosigner = new Cosigner(name, Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey));
        privateKey = NoteKeys.PrivateKey(name, cosigner._publicKey, seed);
        CryptographicOperations.ZeroMemory(seed);
        return cosigner;
    }

    /// <summary>A cosigner from a stored key string.</summary>
    /// <exception cref="FormatException">The string is malformed or its id does not match the key.</exception>
    public static Cosigner Parse(string privateKey)
    {
        if (!NoteKeys.TryParsePrivateKey(privateKey, out string name, out uint id, out byte[] seed, out string error))
        {
            throw new FormatException(error);
        }

        var cosigner = new Cosigner(name, Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey));
        CryptographicOperations.ZeroMemory(seed);
        if (NoteKeys.KeyId(name, cosigner._publicKey) != id)
        {
            cosigner.Dispose();
            throw new FormatException("the witness key's id does not match its name and key");
        }

        return cosigner;
    }

    /// <summary>The key id of a cosigner's public key.</summary>
    public static uint ComputeKeyId(string name, ReadOnlySpan<byte> publicKey)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        byte[] input = [.. nameBytes, 0x0A, CosignatureType, .. publicKey];
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(input));
    }

    /// <summary>The message a <c>cosignature/v1</c> signs: the header line, the time line, then the checkpoint's note
    /// body (its text with the final newline, no signature lines).</summary>
    public static byte[] Message(string checkpointText, long timestamp) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"cosignature/v1\ntime {timestamp}\n{checkpointText}"));

    /// <summary>The cosignature line (<c>— name base64(key id || u64 timestamp || signature)</c>, with its newline)
    /// over <paramref name="checkpointText"/> at <paramref name="timestamp"/> (POSIX seconds).</summary>
    public string Cosign(string checkpointText, long timestamp)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(timestamp);
        byte[] blob = new byte[4 + 8 + 64];
        BinaryPrimitives.WriteUInt32BigEndian(blob, KeyId);
        BinaryPrimitives.WriteUInt64BigEndian(blob.AsSpan(4), (ulong)timestamp);
        SignatureAlgorithm.Ed25519.Sign(_key, Message(checkpointText, timestamp), blob.AsSpan(12));
        return $"\u2014 {Name} {Convert.ToBase64String(blob)}\n";
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}
