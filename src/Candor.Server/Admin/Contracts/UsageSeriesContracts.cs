using System.Text.Json.Serialization;
using Candor.Core.Accounts;

namespace Candor.Server.Admin.Contracts;

/// <summary>Usage per time bucket: the range, the bucket length, what the latency figures mean, and the buckets that
/// have usage, oldest first.</summary>
internal sealed record UsageSeriesView(DateTime From, DateTime To, long BucketSeconds, string Latency, IReadOnlyList<UsageBucketView> Data);

/// <summary>One bucket: requests, errors and error rate, tokens, spend and latency percentiles.</summary>
internal sealed record UsageBucketView(
    DateTime Start, long Requests, long Errors, double ErrorRate, long InputTokens, long OutputTokens, long ChargeMicros, LatencyView LatencyMs)
{
    public static UsageBucketView From(UsageBucket b) => new(
        b.Start.UtcDateTime, b.Requests, b.Errors, b.Requests == 0 ? 0 : Math.Round((double)b.Errors / b.Requests, 4),
        b.InputTokens, b.OutputTokens, b.ChargeMicros,
        new LatencyView(b.LatencyPercentileMs(0.5), b.LatencyPercentileMs(0.9), b.LatencyPercentileMs(0.99)));
}

/// <summary>Latency percentiles in milliseconds, each the upper bound of the histogram bin holding it; null (written)
/// when the bucket has no latency.</summary>
internal sealed record LatencyView(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? P50,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? P90,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? P99);
