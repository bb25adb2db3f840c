using System.Text;
using Candor.Core.Security;

namespace Candor.Core.Channels;

/// <summary>Seals and opens channel credentials with the master key ring. The associated data
/// <c>channel:{id}:api_key</c> binds an envelope to its channel, so a ciphertext copied to another channel's row
/// does not open.</summary>
internal static class ChannelCredentials
{
    /// <summary>The associated data of a channel's credential envelope.</summary>
    public static byte[] AssociatedData(string channelId) => Encoding.UTF8.GetBytes($"channel:{channelId}:api_key");

    /// <summary>Seals <paramref name="credential"/> for <paramref name="channelId"/> under the ring's current key.</summary>
    public static byte[] Seal(MasterKeyRing ring, string channelId, string credential) =>
        ring.Seal(Encoding.UTF8.GetBytes(credential), AssociatedData(channelId));

    /// <summary>Opens a channel's credential envelope.</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">Wrong channel, unknown key, or tampered.</exception>
    public static string Open(MasterKeyRing ring, string channelId, byte[] envelope) =>
        Encoding.UTF8.GetString(ring.Open(envelope, AssociatedData(channelId)));

    /// <summary>Re-seals an envelope under the ring's current key (the same plaintext and channel).</summary>
    public static byte[] Reseal(MasterKeyRing ring, string channelId, byte[] envelope)
    {
        byte[] ad = AssociatedData(channelId);
        byte[] plaintext = ring.Open(envelope, ad);
        try
        {
            return ring.Seal(plaintext, ad);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}
