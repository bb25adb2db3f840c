using System.Security.Cryptography;
using System.Text;
using Candor.Core.Configuration;
using Candor.Core.Upstream;

namespace Candor.Core.Routing;

/// <summary>A channel ready to use: its settings, its adapter and the client that reaches it.</summary>
internal sealed class ChannelRuntime(ChannelSettings settings, IProviderAdapter adapter, HttpMessageInvoker client)
{
    public ChannelSettings Settings { get; } = settings;

    public IProviderAdapter Adapter { get; } = adapter;

    public HttpMessageInvoker Client { get; } = client;

    /// <summary>A digest of what makes the channel the same upstream (provider, base URL, credential, API version).
    /// Health state survives a reload only while it is unchanged, so a new credential clears a credential disable.</summary>
    public string Fingerprint { get; } = ComputeFingerprint(settings);

    private static string ComputeFingerprint(ChannelSettings s)
    {
        string text = string.Join('\n', s.Provider, s.BaseUrl.AbsoluteUri, s.ApiKey ?? "", s.ApiVersion ?? "");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 12));
    }
}
