using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Candor.Transparency.Notes;

/// <summary>The key encodings of c2sp.org/signed-note for Ed25519 (signature type 0x01): the key id
/// <c>SHA-256(name || 0x0A || 0x01 || public key)[:4]</c>, the verifier key <c>&lt;name&gt;+&lt;hex id&gt;+&lt;base64(0x01 || public key)&gt;</c>
/// and the private key <c>PRIVATE+KEY+&lt;name&gt;+&lt;hex id&gt;+&lt;base64(0x01 || seed)&gt;</c>.</summary>
public static class NoteKeys
{
    /// <summary>The signature type byte of Ed25519 in signed notes.</summary>
    public const byte Ed25519Type = 0x01;

    /// <summary>The 32-bit key id of an Ed25519 key.</summary>
    public static uint KeyId(string name, ReadOnlySpan<byte> publicKey)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        byte[] input = new byte[nameBytes.Length + 2 + publicKey.Length];
        nameBytes.CopyTo(input, 0);
        input[nameBytes.Length] = 0x0A;
        input[nameBytes.Length + 1] = Ed25519Type;
        publicKey.CopyTo(input.AsSpan(nameBytes.Length + 2));
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(input));
    }

    /// <summary>The verifier key string of an Ed25519 public key.</summary>
    public static string VerifierKey(string name, ReadOnlySpan<byte> publicKey) =>
        Encode(name, KeyId(name, publicKey), publicKey);

    /// <summary>The private key string of an Ed25519 seed whose public key is <paramref name="publicKey"/>.</summary>
    public static string PrivateKey(string name, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> seed) =>
        "PRIVATE+KEY+" + Encode(name, KeyId(name, publicKey), seed);

    /// <summary>Parses a verifier key string; false (with a reason) when it is malformed, of another type, or its
    /// id does not match its name and key.</summary>
    public static bool TryParseVerifierKey(string text, out string name, out uint keyId, out byte[] publicKey, out string error)
    {
        name = "";
        keyId = 0;
        publicKey = [];
        if (!TrySplit(text.Trim(), out name, out keyId, out byte[] data, out error))
        {
            return false;
        }

        if (data.Length != 33 || data[0] != Ed25519Type)
        {
            error = "the verifier key is not an Ed25519 key (type 0x01, 32 bytes)";
            return false;
        }

        publicKey = data[1..];
        if (KeyId(name, publicKey) != keyId)
        {
            error = "the verifier key's id does not match its name and public key";
            return false;
        }

        return true;
    }

    /// <summary>Parses a private key string into its name and Ed25519 seed (the id is checked by the caller, who
    /// derives the public key).</summary>
    public static bool TryParsePrivateKey(string text, out string name, out uint keyId, out byte[] seed, out string error)
    {
        seed = [];
        name = "";
        keyId = 0;
        text = text.Trim();
        if (!text.StartsWith("PRIVATE+KEY+", StringComparison.Ordinal))
        {
            error = "a signing key starts with PRIVATE+KEY+";
            return false;
        }

        if (!TrySplit(text["PRIVATE+KEY+".Length..], out name, out keyId, out byte[] data, out error))
        {
            return false;
        }

        if (data.Length != 33 || data[0] != Ed25519Type)
        {
            error = "the signing key is not an Ed25519 key (type 0x01, 32-byte seed)";
            return false;
        }

        seed = data[1..];
        return true;
    }

    /// <summary>True when <paramref name="name"/> is a valid key name: non-empty, no whitespace and no '+'.</summary>
    public static bool IsValidName(string name) =>
        name.Length > 0 && !name.Any(static c => c == '+' || char.IsWhiteSpace(c) || char.IsControl(c));

    private static string Encode(string name, uint id, ReadOnlySpan<byte> key)
    {
        byte[] data = new byte[key.Length + 1];
        data[0] = Ed25519Type;
        key.CopyTo(data.AsSpan(1));
        return string.Create(CultureInfo.InvariantCulture, $"{name}+{id:x8}+{Convert.ToBase64String(data)}");
    }

    private static bool TrySplit(string text, out string name, out uint keyId, out byte[] data, out string error)
    {
        name = "";
        keyId = 0;
        data = [];
        // Only the first two '+' separate fields: base64 key data may itself contain '+'.
        string[] parts = text.Split('+', 3);
        if (parts.Length != 3 || !IsValidName(parts[0]) || parts[1].Length != 8
            || !uint.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out keyId))
        {
            error = "a key is written <name>+<8 hex digits>+<base64 key data>";
            return false;
        }

        if (!StrictBase64.TryDecode(parts[2], out data))
        {
            error = "the key data is not valid base64";
            return false;
        }

        name = parts[0];
        error = "";
        return true;
    }
}
