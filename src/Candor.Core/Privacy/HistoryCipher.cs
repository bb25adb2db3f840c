using System.Security.Cryptography;
using System.Text;
using Candor.Core.Security;

namespace Candor.Core.Privacy;

/// <summary>The history encryption: each account has a random 256-bit data key, sealed by the master key ring and
/// bound to the account; each entry is AES-256-GCM under the data key with a fresh nonce, bound to its account, its
/// id and the data key's id. Destroying the sealed data key makes every copy of the entries unreadable.</summary>
internal static class HistoryCipher
{
    private const int NonceLength = 12;
    private const int TagLength = 16;

    /// <summary>The associated data that binds a sealed data key to its account and id.</summary>
    public static byte[] KeyBinding(string accountId, string dataKeyId) => Encoding.UTF8.GetBytes($"candor:history-key:v1:{accountId}:{dataKeyId}");

    /// <summary>The associated data that binds an entry to its account, id and data key.</summary>
    public static byte[] EntryBinding(string accountId, string entryId, string dataKeyId) =>
        Encoding.UTF8.GetBytes($"candor:history-entry:v1:{accountId}:{entryId}:{dataKeyId}");

    /// <summary>A new data key for <paramref name="accountId"/>, sealed by <paramref name="ring"/>; the clear key is
    /// returned for use in memory only.</summary>
    public static (HistoryDataKey Sealed, byte[] Key) NewDataKey(MasterKeyRing ring, string accountId)
    {
        ArgumentNullException.ThrowIfNull(ring);
        string id = Accounts.EntityIds.New("hkey");
        byte[] key = RandomNumberGenerator.GetBytes(32);
        return (new HistoryDataKey(id, accountId, ring.Seal(key, KeyBinding(accountId, id))), key);
    }

    /// <summary>Unseals a stored data key.</summary>
    public static byte[] OpenDataKey(MasterKeyRing ring, HistoryDataKey stored)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(stored);
        return ring.Open(stored.Sealed, KeyBinding(stored.AccountId, stored.Id));
    }

    /// <summary>Encrypts an entry: nonce | ciphertext | tag.</summary>
    public static byte[] Seal(byte[] dataKey, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> binding)
    {
        var sealedEntry = new byte[NonceLength + plaintext.Length + TagLength];
        var nonce = sealedEntry.AsSpan(0, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(dataKey, TagLength);
        aes.Encrypt(nonce, plaintext, sealedEntry.AsSpan(NonceLength, plaintext.Length), sealedEntry.AsSpan(NonceLength + plaintext.Length), binding);
        return sealedEntry;
    }

    /// <summary>Decrypts an entry sealed by <see cref="Seal"/>.</summary>
    /// <exception cref="CryptographicException">Wrong key, wrong binding, or tampered.</exception>
    public static byte[] Open(byte[] dataKey, ReadOnlySpan<byte> sealedEntry, ReadOnlySpan<byte> binding)
    {
        if (sealedEntry.Length < NonceLength + TagLength)
        {
            throw new CryptographicException("Not a history entry.");
        }

        int length = sealedEntry.Length - NonceLength - TagLength;
        var plaintext = new byte[length];
        using var aes = new AesGcm(dataKey, TagLength);
        aes.Decrypt(sealedEntry[..NonceLength], sealedEntry.Slice(NonceLength, length), sealedEntry[^TagLength..], plaintext, binding);
        return plaintext;
    }
}
