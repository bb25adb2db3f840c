namespace Candor.Core.Routing;

/// <summary>A channel's health as the admin API shows it (read-only copy; see <see cref="HealthRegistry.Describe"/>).</summary>
/// <param name="ChannelId">The channel's public id.</param>
/// <param name="Enabled">False while disabled (credential refused, or disabled by an admin).</param>
/// <param name="DisabledReason">Why it is disabled, or null.</param>
/// <param name="DisabledAt">When it was disabled, or null.</param>
/// <param name="Deployments">Its deployments (one per upstream model used by the current configuration).</param>
internal sealed record ChannelHealthView(
    string ChannelId, bool Enabled, string? DisabledReason, DateTimeOffset? DisabledAt, IReadOnlyList<DeploymentHealthView> Deployments);

/// <summary>A deployment's health as the admin API shows it (read-only copy).</summary>
/// <param name="ChannelId">The channel's public id.</param>
/// <param name="UpstreamModel">The model name the upstream knows.</param>
/// <param name="Models">The public models routed to this deployment.</param>
/// <param name="State"><c>healthy</c>, <c>cooling_down</c> (circuit open), <c>half_open</c> (trial requests decide),
/// <c>retry_after</c> (waiting out the upstream's Retry-After) or <c>disabled</c> (the channel is).</param>
/// <param name="Until">When the cooldown or the Retry-After wait ends, or null.</param>
/// <param name="InFlight">Requests in flight now.</param>
/// <param name="WindowRequests">Outcomes counted in the failure-rate window (<c>routing.health.window</c>).</param>
/// <param name="WindowFailures">Failures among them.</param>
/// <param name="ErrorRate">WindowFailures / WindowRequests (0 when empty).</param>
/// <param name="LatencyP50Ms">Median latency of the last 256 successes (time to first event for streams, whole answer otherwise), or null.</param>
/// <param name="LatencyP90Ms">90th percentile, or null.</param>
/// <param name="LatencyP99Ms">99th percentile, or null.</param>
/// <param name="EwmaMs">The peak-EWMA latency cost used by least_latency, decayed to now, or null before the first sample.</param>
/// <param name="RequestsLastMinute">Requests started in the last minute (what the rpm limit counts).</param>
/// <param name="TokensLastMinute">Tokens in the last minute (what the tpm limit counts).</param>
/// <param name="TotalRequests">Outcomes recorded since start (or since the channel last changed).</param>
/// <param name="TotalFailures">Failures among them.</param>
/// <param name="LastFailure">The class of the last failure (connect, timeout, server_error, rate_limited, overloaded, not_found, malformed), or null.</param>
/// <param name="LastFailureAt">When it happened, or null.</param>
/// <param name="LastSuccessAt">When the last success happened, or null.</param>
internal sealed record DeploymentHealthView(
    string ChannelId, string UpstreamModel, IReadOnlyList<string> Models, string State, DateTimeOffset? Until, int InFlight,
    long WindowRequests, long WindowFailures, double ErrorRate, double? LatencyP50Ms, double? LatencyP90Ms, double? LatencyP99Ms,
    double? EwmaMs, long RequestsLastMinute, long TokensLastMinute, long TotalRequests, long TotalFailures,
    string? LastFailure, DateTimeOffset? LastFailureAt, DateTimeOffset? LastSuccessAt);
