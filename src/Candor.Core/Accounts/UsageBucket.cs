namespace Candor.Core.Accounts;

/// <summary>Usage aggregated over one time bucket: request and failure counts, tokens, spend, and a latency histogram
/// over <see cref="LatencyBoundsMs"/> from which percentiles are read.</summary>
/// <param name="Start">The bucket's first instant.</param>
/// <param name="Requests">Usage records in the bucket.</param>
/// <param name="Errors">Records whose outcome is not complete (failed, partial, interrupted; a client's cancel is not an error).</param>
/// <param name="InputTokens">Billed input tokens (reported, else counted).</param>
/// <param name="OutputTokens">Billed output tokens (reported, else counted).</param>
/// <param name="ChargeMicros">Money charged, micro-USD.</param>
/// <param name="LatencyCounts">Records per latency bin: bin i holds durations up to <see cref="LatencyBoundsMs"/>[i]
/// (and above the previous bound); the last bin holds everything above the last bound.</param>
internal sealed record UsageBucket(
    DateTimeOffset Start, long Requests, long Errors, long InputTokens, long OutputTokens, long ChargeMicros, IReadOnlyList<long> LatencyCounts)
{
    /// <summary>Upper bounds of the latency bins in milliseconds (roughly ×1.5 steps from 25 ms to 5 minutes).</summary>
    public static IReadOnlyList<long> LatencyBoundsMs { get; } =
        [25, 50, 75, 100, 150, 200, 300, 450, 700, 1000, 1500, 2000, 3000, 4500, 7000, 10_000, 15_000, 20_000, 30_000, 45_000, 60_000, 90_000, 120_000, 180_000, 300_000];

    /// <summary>The latency at quantile <paramref name="q"/> (0–1) as the upper bound of the bin holding that rank,
    /// so an estimate never below the true value; null when the bucket is empty. Above the last bound it is that bound.</summary>
    public long? LatencyPercentileMs(double q)
    {
        long total = 0;
        foreach (long c in LatencyCounts)
        {
            total += c;
        }

        if (total == 0)
        {
            return null;
        }

        long rank = Math.Max(1, (long)Math.Ceiling(q * total));
        long seen = 0;
        for (int i = 0; i < LatencyCounts.Count; i++)
        {
            seen += LatencyCounts[i];
            if (seen >= rank)
            {
                return LatencyBoundsMs[Math.Min(i, LatencyBoundsMs.Count - 1)];
            }
        }

        return LatencyBoundsMs[^1];
    }
}
