namespace Candor.Core.Channels;

/// <summary>The outcome of a live test of one channel: a tiny non-streamed chat request through its adapter.</summary>
/// <param name="Ok">The upstream answered with a valid completion.</param>
/// <param name="UpstreamModel">The model asked for.</param>
/// <param name="LatencyMs">Time from sending the request to having the whole answer (or the failure).</param>
/// <param name="UpstreamStatus">The upstream's HTTP status, when one arrived.</param>
/// <param name="ServedModel">The model the upstream reported it served, when it did.</param>
/// <param name="ErrorClass">On failure: connect, timeout, auth, rate_limited, overloaded, not_found, bad_request,
/// upstream_error, malformed or unsupported.</param>
/// <param name="ErrorMessage">On failure, a message safe to show (never the upstream's body).</param>
internal sealed record ChannelTestResult(bool Ok, string UpstreamModel, long LatencyMs, int? UpstreamStatus, string? ServedModel, string? ErrorClass, string? ErrorMessage);
