using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Candor.Core.Security;

/// <summary>The master keys under which Candor encrypts what it must keep secret at rest (channel credentials,
/// per-account data keys): AES-256-GCM envelopes tagged with the id of the key that sealed them. The newest key
/// seals; every key in the ring opens, so a rotation adds a key, re-seals what is stored, then retires the old
/// one.</summary>
/// <remarks>Envelope layout (all sealed values, version 1):
/// <c>0x01 | key id (uint32, big-endian) | nonce (12 bytes) | ciphertext | tag (16 bytes)</c>.
/// The associated data binds an envelope to its place (for example <c>"channel:openai-main:api_key"</c>), so a
/// ciphertext copied into another row does not open.</remarks>
internal sealed class MasterKeyRing
{
    /// <summary>Master key length in bytes (AES-256).</summary>
    public const int KeyLength = 32;

    private const byte Version = 1;
    private const int NonceLength = 12;
    private const int TagLength = 16;
    private const int HeaderLength = 1 + 4 + NonceLength;

    private readonly Dictionary<uint, byte[]> _keys;

    /// <param name="keys">Key id → 32-byte key. The highest id is the current (sealing) key.</param>
    public MasterKeyRing(IReadOnlyDictionary<uint, byte[]> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
        {
            throw new ArgumentException("A master key ring needs at least one key.", nameof(keys));
        }

        _keys = new Dictionary<uint, byte[]>(keys.Count);
        foreach (var (id, key) in keys)
        {
            if (key.Length != KeyLength)
            {
                throw new ArgumentException($"Master key {id} must be {KeyLength} bytes; it is {key.Length}.", nameof(keys));
            }

            _keys[id] = key.ToArray();
        }

        CurrentKeyId = _keys.Keys.Max();
    }

    /// <summary>The id of the key that seals.</summary>
    public uint CurrentKeyId { get; }

    /// <summary>The ids of every key that can open.</summary>
    public IReadOnlyCollection<uint> KeyIds => _keys.Keys;

    /// <summary>Encrypts <paramref name="plaintext"/> under the current key, bound to <paramref name="associatedData"/>.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var envelope = new byte[HeaderLength + plaintext.Length + TagLength];
        envelope[0] = Version;
        BinaryPrimitives.WriteUInt32BigEndian(envelope.AsSpan(1, 4), CurrentKeyId);
        var nonce = envelope.AsSpan(5, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_keys[CurrentKeyId], TagLength);
        aes.Encrypt(nonce, plaintext, envelope.AsSpan(HeaderLength, plaintext.Length), envelope.AsSpan(HeaderLength + plaintext.Length), associatedData);
        return envelope;
    }

    /// <summary>Decrypts an envelope sealed by any key of the ring with the same associated data.</summary>
    /// <exception cref="CryptographicException">The envelope is malformed, sealed under an unknown key, tampered
    /// with, or bound to other associated data.</exception>
    public byte[] Open(ReadOnlySpan<byte> envelope, ReadOnlySpan<byte> associatedData)
    {
        if (envelope.Length < HeaderLength + TagLength || envelope[0] != Version)
        {
            throw new CryptographicException("Not a Candor master-key envelope.");
        }

        uint keyId = BinaryPrimitives.ReadUInt32BigEndian(envelope.Slice(1, 4));
        if (!_keys.TryGetValue(keyId, out var key))
        {
            throw new CryptographicException($"The envelope was sealed under master key {keyId}, which this ring does not hold.");
        }

        int length = envelope.Length - HeaderLength - TagLength;
        var plaintext = new byte[length];
        using var aes = new AesGcm(key, TagLength);
        aes.Decrypt(envelope.Slice(5, NonceLength), envelope.Slice(HeaderLength, length), envelope[^TagLength..], plaintext, associatedData);
        return plaintext;
    }

    /// <summary>The id of the key that sealed <paramref name="envelope"/> (to find what a rotation must re-seal).</summary>
    public static uint KeyIdOf(ReadOnlySpan<byte> envelope) =>
        envelope.Length >= HeaderLength && envelope[0] == Version
            ? BinaryPrimitives.ReadUInt32BigEndian(envelope.Slice(1, 4))
            : throw new CryptographicException("Not a Candor master-key envelope.");
}
