using Candor.Core.Configuration;
using Candor.Core.Upstream;

namespace Candor.Core.Routing;

/// <summary>A channel ready to use: its settings, its adapter and the client that reaches it.</summary>
public sealed class ChannelRuntime(ChannelSettings settings, IProviderAdapter adapter, HttpClient client)
{
    public ChannelSettings Settings { get; } = settings;

    public IProviderAdapter Adapter { get; } = adapter;

    public HttpClient Client { get; } = client;
}
