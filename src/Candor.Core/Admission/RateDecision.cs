namespace Candor.Core.Admission;

/// <summary>The outcome of admitting one request against a key's limits, with the figures the
/// <c>x-ratelimit-*</c> headers report.</summary>
internal sealed class RateDecision
{
    public bool Allowed { get; init; }

    /// <summary>Which limit refused: "requests", "tokens" or "concurrency"; null when allowed.</summary>
    public string? Exceeded { get; init; }

    /// <summary>How long the client should wait before retrying (when refused).</summary>
    public TimeSpan RetryAfter { get; init; }

    public int? LimitRequests { get; init; }

    public long RemainingRequests { get; init; }

    public TimeSpan ResetRequests { get; init; }

    public int? LimitTokens { get; init; }

    public long RemainingTokens { get; init; }

    public TimeSpan ResetTokens { get; init; }

    /// <summary>Held while the request runs (concurrency slot and reserved tokens); settle it at the end.</summary>
    public RateLease? Lease { get; init; }
}
