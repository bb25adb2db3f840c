using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace Candor.Transparency.Notes;

/// <summary>Signs notes (c2sp.org/signed-note) with one Ed25519 key. The signature line is
/// <c>— &lt;name&gt; base64(key id || signature)</c>, the signature covering the note text with its final newline.</summary>
public sealed class NoteSigner : IDisposable
{
    private readonly Key _key;
    private readonly byte[] _publicKey;

    private NoteSigner(string name, Key key)
    {
        Name = name;
        _key = key;
        _publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        KeyId = NoteKeys.KeyId(name, _publicKey);
        VerifierKey = NoteKeys.VerifierKey(name, _publicKey);
    }

    /// <summary>The key name (the log's origin when Candor generated the key).</summary>
    public string Name { get; }

    /// <summary>The key id (first four bytes of the key hash, big-endian).</summary>
    public uint KeyId { get; }

    /// <summary>The verifier key string to publish.</summary>
    public string VerifierKey { get; }

    /// <summary>The raw Ed25519 public key.</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>A signer over a new CSPRNG key; <paramref name="privateKey"/> receives its private key string.</summary>
    public static NoteSigner Generate(string name, out string privateKey)
    {
        if (!NoteKeys.IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a valid key name (no spaces, no '+').", nameof(name));
        }

        byte[] seed = RandomNumberGenerator.GetBytes(32);
        var signer = FromSeed(name, seed);
        privateKey = NoteKeys.PrivateKey(name, signer._publicKey, seed);
        CryptographicOperations.ZeroMemory(seed);
        return signer;
    }

    /// <summary>A signer from a private key string (<c>PRIVATE+KEY+…</c>).</summary>
    /// <exception cref="FormatException">The string is malformed or its id does not match the key.</exception>
    public static NoteSigner Parse(string privateKey)
    {
        if (!NoteKeys.TryParsePrivateKey(privateKey, out string name, out uint id, out byte[] seed, out string error))
        {
            throw new FormatException(error);
        }

        var signer = FromSeed(name, seed);
        CryptographicOperations.ZeroMemory(seed);
        if (signer.KeyId != id)
        {
            signer.Dispose();
            throw new FormatException("the signing key's id does not match its name and key");
        }

        return signer;
    }

    /// <summary>The signed note: <paramref name="text"/> (which must end with a newline), a blank line and this
    /// key's signature line.</summary>
    public byte[] Sign(string text)
    {
        if (!text.EndsWith('\n'))
        {
            throw new ArgumentException("A note's text ends with a newline.", nameof(text));
        }

        byte[] message = Encoding.UTF8.GetBytes(text);
        byte[] blob = new byte[4 + 64];
        BinaryPrimitives.WriteUInt32BigEndian(blob, KeyId);
        SignatureAlgorithm.Ed25519.Sign(_key, message, blob.AsSpan(4));
        return Encoding.UTF8.GetBytes($"{text}\n\u2014 {Name} {Convert.ToBase64String(blob)}\n");
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

    private static NoteSigner FromSeed(string name, byte[] seed)
    {
        var key = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey);
        return new NoteSigner(name, key);
    }
}
