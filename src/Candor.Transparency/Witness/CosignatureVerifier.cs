using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Candor.Transparency.Notes;
using NSec.Cryptography;

namespace Candor.Transparency.Witness;

/// <summary>Checks a witness's <c>cosignature/v1</c> on a checkpoint note, from the witness's verifier key
/// (<c>name+id+base64(0x04 || public key)</c>). Signature lines of other keys are ignored.</summary>
public sealed class CosignatureVerifier
{
    private readonly PublicKey _key;

    private CosignatureVerifier(string name, uint keyId, PublicKey key)
    {
        Name = name;
        KeyId = keyId;
        _key = key;
    }

    /// <summary>The witness's name.</summary>
    public string Name { get; }

    /// <summary>The cosignature key id.</summary>
    public uint KeyId { get; }

    /// <summary>Parses a cosigner verifier key.</summary>
    /// <exception cref="FormatException">Not a type 0x04 Ed25519 key, or its id does not match.</exception>
    public static CosignatureVerifier Parse(string verifierKey)
    {
        string[] parts = verifierKey.Trim().Split('+', 3);
        if (parts.Length != 3 || !NoteKeys.IsValidName(parts[0]) || parts[1].Length != 8
            || !uint.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint id)
            || !StrictBase64.TryDecode(parts[2], out byte[] data) || data.Length != 33 || data[0] != Cosigner.CosignatureType)
        {
            throw new FormatException("a witness key is <name>+<8 hex digits>+<base64(0x04 || 32-byte Ed25519 public key)>");
        }

        if (Cosigner.ComputeKeyId(parts[0], data.AsSpan(1)) != id)
        {
            throw new FormatException("the witness key's id does not match its name and public key");
        }

        if (!PublicKey.TryImport(SignatureAlgorithm.Ed25519, data.AsSpan(1), KeyBlobFormat.RawPublicKey, out var key) || key is null)
        {
            throw new FormatException("the witness key is not a valid Ed25519 public key");
        }

        return new CosignatureVerifier(parts[0], id, key);
    }

    /// <summary>True when <paramref name="note"/> (a checkpoint with its signature lines) carries a valid cosignature
    /// by this witness; <paramref name="timestamp"/> is the time it states (POSIX seconds).</summary>
    public bool TryVerify(ReadOnlySpan<byte> note, out long timestamp)
    {
        timestamp = 0;
        string whole;
        try
        {
            whole = new UTF8Encoding(false, true).GetString(note);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        int split = whole.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0 || !whole.EndsWith('\n'))
        {
            return false;
        }

        string body = whole[..(split + 1)];
        foreach (string line in whole[(split + 2)..^1].Split('\n'))
        {
            string[] parts = line.Split(' ');
            if (parts.Length != 3 || parts[0] != "\u2014" || parts[1] != Name || !StrictBase64.TryDecode(parts[2], out byte[] blob)
                || blob.Length != 4 + 8 + 64 || BinaryPrimitives.ReadUInt32BigEndian(blob) != KeyId)
            {
                continue;
            }

            ulong time = BinaryPrimitives.ReadUInt64BigEndian(blob.AsSpan(4));
            if (time > long.MaxValue)
            {
                continue;
            }

            if (SignatureAlgorithm.Ed25519.Verify(_key, Cosigner.Message(body, (long)time), blob.AsSpan(12)))
            {
                timestamp = (long)time;
                return true;
            }
        }

        return false;
    }

    /// <summary>How many of <paramref name="witnesses"/> cosigned <paramref name="note"/> (each counted once).</summary>
    public static int Count(ReadOnlySpan<byte> note, IEnumerable<CosignatureVerifier> witnesses)
    {
        int count = 0;
        foreach (var witness in witnesses)
        {
            if (witness.TryVerify(note, out _))
            {
                count++;
            }
        }

        return count;
    }
}
