using Candor.Core.Configuration;

namespace Candor.Core.Channels;

/// <summary>What the stored channels add to the configuration file's routing: channels ready to use, the public
/// models they change or add, and why each stored channel that is not routed is left out.</summary>
/// <param name="Channels">Active stored channels (credential opened, enabled, id not shadowed).</param>
/// <param name="Models">Public models whose deployments differ from the file's (merged) or that only stored
/// deployments define; these replace the file's routes of the same name.</param>
/// <param name="Inactive">Stored channel id → why it is not routed (disabled, shadowed, unreadable credential…).</param>
internal sealed record ChannelOverlay(IReadOnlyList<ChannelSettings> Channels, IReadOnlyList<ModelRoute> Models, IReadOnlyDictionary<string, string> Inactive)
{
    /// <summary>Nothing stored.</summary>
    public static ChannelOverlay None { get; } = new([], [], new Dictionary<string, string>());
}
