namespace Candor.Core.Accounts;

/// <summary>The metering record of one request. Token fields are null when the figure is absent, which is
/// distinct from zero.</summary>
internal sealed record UsageRecord
{
    /// <summary>Candor's request id; one usage record per request.</summary>
    public required string RequestId { get; init; }

    /// <summary>The account charged.</summary>
    public required string AccountId { get; init; }

    /// <summary>The key the request came with.</summary>
    public required string KeyId { get; init; }

    /// <summary>When the request started.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The client surface (<c>openai</c>, <c>anthropic</c>, <c>gemini</c>).</summary>
    public required string Surface { get; init; }

    /// <summary>The public model the client asked for.</summary>
    public required string RequestedModel { get; init; }

    /// <summary>The upstream model after mapping.</summary>
    public required string UpstreamModel { get; init; }

    /// <summary>The model the upstream said answered, if it said.</summary>
    public string? ReportedModel { get; init; }

    /// <summary>The channel that served the request, if any did.</summary>
    public string? ChannelId { get; init; }

    /// <summary>How the request ended.</summary>
    public required UsageOutcome Outcome { get; init; }

    /// <summary>Upstream-reported prompt tokens (cached and cache-write included).</summary>
    public int? ReportedInputTokens { get; init; }

    /// <summary>Upstream-reported completion tokens.</summary>
    public int? ReportedOutputTokens { get; init; }

    /// <summary>Upstream-reported cached (read) prompt tokens.</summary>
    public int? ReportedCachedInputTokens { get; init; }

    /// <summary>Upstream-reported cache-write prompt tokens.</summary>
    public int? ReportedCacheWriteTokens { get; init; }

    /// <summary>Upstream-reported reasoning tokens.</summary>
    public int? ReportedReasoningTokens { get; init; }

    /// <summary>Upstream-reported total tokens.</summary>
    public int? ReportedTotalTokens { get; init; }

    /// <summary>Candor's own prompt count.</summary>
    public int? CountedInputTokens { get; init; }

    /// <summary>Candor's own count of delivered output.</summary>
    public int? CountedOutputTokens { get; init; }

    /// <summary>Which figures the charge was computed from.</summary>
    public required BilledSource BilledSource { get; init; }

    /// <summary>What the request cost in micro-USD (non-negative).</summary>
    public required long ChargeMicros { get; init; }

    /// <summary>Wall time of the request in milliseconds.</summary>
    public required long DurationMs { get; init; }
}
