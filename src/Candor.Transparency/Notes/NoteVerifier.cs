using System.Buffers.Binary;
using System.Text;
using NSec.Cryptography;

namespace Candor.Transparency.Notes;

/// <summary>Checks signed notes (c2sp.org/signed-note) against one Ed25519 verifier key.</summary>
public sealed class NoteVerifier
{
    private readonly PublicKey _key;

    private NoteVerifier(string name, uint keyId, PublicKey key)
    {
        Name = name;
        KeyId = keyId;
        _key = key;
    }

    /// <summary>The key name.</summary>
    public string Name { get; }

    /// <summary>The key id.</summary>
    public uint KeyId { get; }

    /// <summary>Parses a verifier key string (<c>name+hexid+base64</c>).</summary>
    /// <exception cref="FormatException">The string is not an Ed25519 verifier key.</exception>
    public static NoteVerifier Parse(string verifierKey)
    {
        if (!NoteKeys.TryParseVerifierKey(verifierKey, out string name, out uint id, out byte[] publicKey, out string error))
        {
            throw new FormatException(error);
        }

        if (!PublicKey.TryImport(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out var key) || key is null)
        {
            throw new FormatException("the verifier key's public key is not a valid Ed25519 point");
        }

        return new NoteVerifier(name, id, key);
    }

    /// <summary>Verifies <paramref name="note"/>: well-formed, and carrying a valid signature by this key. On success
    /// <paramref name="text"/> is the signed text (with its final newline).</summary>
    public bool TryVerify(ReadOnlySpan<byte> note, out string text, out string error)
    {
        text = "";
        string whole;
        try
        {
            whole = new UTF8Encoding(false, true).GetString(note);
        }
        catch (DecoderFallbackException)
        {
            error = "the note is not valid UTF-8";
            return false;
        }

        int split = whole.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0 || !whole.EndsWith('\n'))
        {
            error = "the note has no signature block (a blank line, then signature lines ending with a newline)";
            return false;
        }

        string body = whole[..(split + 1)];
        string[] lines = whole[(split + 2)..^1].Split('\n');
        bool found = false;
        foreach (string line in lines)
        {
            if (!line.StartsWith("\u2014 ", StringComparison.Ordinal))
            {
                error = "a signature line does not start with an em dash and a space";
                return false;
            }

            string[] parts = line[2..].Split(' ');
            if (parts.Length != 2)
            {
                error = "a signature line is '— <name> <base64>'";
                return false;
            }

            if (!StrictBase64.TryDecode(parts[1], out byte[] blob))
            {
                error = "a signature is not valid base64";
                return false;
            }

            if (blob.Length < 4 || parts[0] != Name || BinaryPrimitives.ReadUInt32BigEndian(blob) != KeyId)
            {
                continue;
            }

            if (blob.Length != 68 || !SignatureAlgorithm.Ed25519.Verify(_key, Encoding.UTF8.GetBytes(body), blob.AsSpan(4)))
            {
                error = $"the signature by {Name} does not verify";
                return false;
            }

            found = true;
        }

        if (!found)
        {
            error = $"the note carries no signature by {Name}+{KeyId:x8}";
            return false;
        }

        text = body;
        error = "";
        return true;
    }
}
