namespace Candor.Core.Routing;

/// <summary>What changed in a channel's or deployment's health on this node, as <see cref="HealthEvents.Changed"/>
/// reports it (and the nodes of a cluster tell one another: docs/scale-out.md, "Shared health").</summary>
internal enum HealthChangeKind
{
    CircuitOpened,
    CircuitClosed,
    ChannelDisabled,
    ChannelEnabled,
}

/// <summary>One health change: names and durations only (never upstream text or user content).</summary>
/// <param name="Kind">What changed.</param>
/// <param name="ChannelId">The channel.</param>
/// <param name="UpstreamModel">The deployment's upstream model (circuits), else null.</param>
/// <param name="Cooldown">How long an opened circuit stays open.</param>
/// <param name="Reason">Why a channel was disabled (no secrets), else null.</param>
/// <param name="Failure">The failure that opened a circuit, else <see cref="UpstreamFailure.None"/>.</param>
internal sealed record HealthChange(HealthChangeKind Kind, string ChannelId, string? UpstreamModel, TimeSpan Cooldown, string? Reason, UpstreamFailure Failure = UpstreamFailure.None);
