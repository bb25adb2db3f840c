using System.Text;
using Candor.Core.Security;

namespace Candor.Core.Channels;

/// <summary>A stored channel's extra headers are sealed like its credential: a header such as
/// <c>Ocp-Apim-Subscription-Key</c> carries a credential under another name, and any configured value may be one, so
/// every value is kept as an AES-256-GCM envelope under the master key ring (<c>sealed:</c> + base64) and shown back
/// only as <see cref="Redacted"/>. The associated data <c>channel:{id}:header:{name}</c> binds an envelope to its
/// channel and header. Values stored in the clear by an older version still work and are sealed by the next update
/// of the channel or by <c>candor master-key rotate</c>.</summary>
internal static class ChannelHeaders
{
    /// <summary>What the admin API and the CLI show in place of a header value.</summary>
    public const string Redacted = "[redacted]";

    private const string SealedPrefix = "sealed:";

    /// <summary>The values of <paramref name="headers"/> sealed for <paramref name="channelId"/> (already sealed ones re-sealed).</summary>
    public static Dictionary<string, string> Seal(MasterKeyRing ring, string channelId, IReadOnlyDictionary<string, string> headers)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(headers);
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            string plain = IsSealed(value) ? OpenOne(ring, channelId, name, value) : value;
            result[name] = SealedPrefix + Convert.ToBase64String(ring.Seal(Encoding.UTF8.GetBytes(plain), AssociatedData(channelId, name)));
        }

        return result;
    }

    /// <summary>The header values in the clear, for the upstream request.</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">An envelope does not open with the ring.</exception>
    public static Dictionary<string, string> Open(MasterKeyRing ring, string channelId, IReadOnlyDictionary<string, string> headers)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(headers);
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            result[name] = IsSealed(value) ? OpenOne(ring, channelId, name, value) : value;
        }

        return result;
    }

    /// <summary>Whether any value is sealed (opening then needs the master key ring).</summary>
    public static bool AnySealed(IReadOnlyDictionary<string, string> headers) => headers?.Values.Any(IsSealed) ?? false;

    /// <summary>The associated data of one header's envelope (the name compares case-insensitively, as HTTP's does).</summary>
    public static byte[] AssociatedData(string channelId, string name) =>
        Encoding.UTF8.GetBytes($"channel:{channelId}:header:{name?.ToLowerInvariant()}");

    private static bool IsSealed(string value) => value.StartsWith(SealedPrefix, StringComparison.Ordinal);

    private static string OpenOne(MasterKeyRing ring, string channelId, string name, string value) =>
        Encoding.UTF8.GetString(ring.Open(Convert.FromBase64String(value[SealedPrefix.Length..]), AssociatedData(channelId, name)));
}
