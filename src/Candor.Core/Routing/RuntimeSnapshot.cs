using System.Collections.Frozen;
using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Core.Upstream;

namespace Candor.Core.Routing;

/// <summary>Everything a request needs from configuration, immutable. A reload builds a new snapshot and
/// swaps it in atomically; a request keeps the snapshot it started with.</summary>
internal sealed class RuntimeSnapshot
{
    private RuntimeSnapshot(CandorConfig config, FrozenDictionary<string, ChannelRuntime> channels, FrozenDictionary<string, ModelRoute> models, KeySet keys)
    {
        Config = config;
        Channels = channels;
        Models = models;
        Keys = keys;
        ModelNames = models.Keys.Order(StringComparer.Ordinal).ToArray();
    }

    public CandorConfig Config { get; }

    public FrozenDictionary<string, ChannelRuntime> Channels { get; }

    public FrozenDictionary<string, ModelRoute> Models { get; }

    /// <summary>Public model names, sorted (for GET /v1/models).</summary>
    public IReadOnlyList<string> ModelNames { get; }

    public KeySet Keys { get; }

    /// <summary>Channels in the database that are not routed, with the reason (disabled, shadowed…); empty without stored channels.</summary>
    public IReadOnlyDictionary<string, string> InactiveStoredChannels { get; private init; } = Candor.Core.Channels.ChannelOverlay.None.Inactive;

    /// <summary>Builds a snapshot from the configuration file and, when given, the stored channels' overlay: stored
    /// channels join the file's, and the overlay's routes replace the file's routes of the same name.</summary>
    public static RuntimeSnapshot Build(CandorConfig config, ProviderRegistry providers, UpstreamClients clients, KeyHasher hasher, Candor.Core.Channels.ChannelOverlay? overlay = null)
    {
        overlay ??= Candor.Core.Channels.ChannelOverlay.None;
        var channels = config.Channels.Concat(overlay.Channels).ToFrozenDictionary(
            static c => c.Id,
            c => new ChannelRuntime(c, providers.Get(c.Provider), clients.For(c.ConnectTimeout)),
            StringComparer.Ordinal);
        var routes = config.Models.ToDictionary(static m => m.Name, StringComparer.Ordinal);
        foreach (var route in overlay.Models)
        {
            routes[route.Name] = route;
        }

        var models = routes.ToFrozenDictionary(StringComparer.Ordinal);
        return new RuntimeSnapshot(config, channels, models, KeySet.Build(config.Keys, hasher)) { InactiveStoredChannels = overlay.Inactive };
    }
}
