namespace Candor.Core.Channels;

/// <summary>Every stored channel and deployment at one version of the channel tables (read in one transaction).</summary>
/// <param name="Version">The channel-tables version: bumped by every write, so a node knows when to rebuild.</param>
/// <param name="Channels">The stored channels, by id order.</param>
/// <param name="Deployments">The stored deployments, by model, priority and creation.</param>
internal sealed record StoredChannels(long Version, IReadOnlyList<StoredChannel> Channels, IReadOnlyList<StoredDeployment> Deployments)
{
    /// <summary>No stored channels (no data directory).</summary>
    public static StoredChannels Empty { get; } = new(-1, [], []);
}
