using Candor.Protocols.Canonical;

namespace Candor.Core.Audit;

/// <summary>
/// The max-tokens limits client traffic asks for, per surface, from which every probe draws its own (docs/audits.md
/// "Limits like traffic's"): a probe then carries a limit an upstream sees on ordinary requests, never one only probes
/// use (the old cap probes' 8–32 gave 15 % of probes away). Admission counts each chat request's limit in one of
/// <see cref="Values"/> (the largest not above it, or "none") — counts of a few dozen round numbers per surface, nothing
/// of the request — and once a surface has <see cref="MinObserved"/> requests its probes draw from those counts;
/// before, from <see cref="Default"/>, a documented realistic distribution. Counting is lock-free (one interlocked
/// increment); the counts live in memory and start afresh with the process.
/// </summary>
internal sealed class TrafficLimits
{
    /// <summary>The limits a request is counted in; a limit between two is counted in the lower one.</summary>
    public static IReadOnlyList<int> Values { get; } =
    [
        1, 5, 10, 16, 20, 32, 50, 64, 100, 128, 150, 200, 256, 300, 400, 500, 512, 600, 800, 1000, 1024, 1200, 1500, 2000,
        2048, 3000, 4000, 4096, 5000, 6000, 8000, 8192, 10000, 12000, 16000, 16384, 20000, 32000, 32768, 64000,
    ];

    /// <summary>Requests a surface needs before its probes draw from its own counts.</summary>
    public const int MinObserved = 1000;

    /// <summary>The distribution used before a surface has enough traffic: half the requests send no limit, the rest
    /// one of the round numbers SDK examples and applications use (weights in percent of all requests).</summary>
    public static IReadOnlyList<(int? Limit, int Percent)> Default { get; } =
    [
        (null, 50), (256, 4), (300, 2), (400, 2), (500, 4), (512, 3), (800, 2), (1000, 6), (1024, 4), (1500, 2), (2000, 4),
        (2048, 4), (4096, 8), (8192, 5),
    ];

    private static readonly int Surfaces = Enum.GetValues<WireProtocol>().Length;

    // Per surface: [0] counts requests without a limit, [1 + i] those counted in Values[i].
    private readonly long[][] _counts = [.. Enumerable.Range(0, Surfaces).Select(static _ => new long[Values.Count + 1])];

    /// <summary>Counts one client request's limit.</summary>
    public void Observe(WireProtocol surface, int? maxTokens)
    {
        var slot = 0;
        if (maxTokens is { } max)
        {
            var index = BinarySearchFloor(max);
            slot = index < 0 ? 1 : index + 1;
        }

        Interlocked.Increment(ref _counts[(int)surface][slot]);
    }

    /// <summary>Requests counted on <paramref name="surface"/> so far.</summary>
    public long Observed(WireProtocol surface)
    {
        var counts = _counts[(int)surface];
        long total = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            total += Interlocked.Read(ref counts[i]);
        }

        return total;
    }

    /// <summary>The limit of the request at quantile <paramref name="u"/> ∈ [0, 1) of <paramref name="surface"/>'s
    /// traffic (its counts once it has <see cref="MinObserved"/> requests, else <see cref="Default"/>); null: no limit.</summary>
    public int? Pick(WireProtocol surface, double u)
    {
        var counts = _counts[(int)surface];
        var snapshot = new long[counts.Length];
        long total = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            snapshot[i] = Interlocked.Read(ref counts[i]);
            total += snapshot[i];
        }

        if (total < MinObserved)
        {
            return PickDefault(u);
        }

        var target = (long)(u * total);
        for (var i = 0; i < snapshot.Length; i++)
        {
            if (target < snapshot[i])
            {
                return i == 0 ? null : Values[i - 1];
            }

            target -= snapshot[i];
        }

        return Values[^1];
    }

    /// <summary>The limit at quantile <paramref name="u"/> of <see cref="Default"/>.</summary>
    public static int? PickDefault(double u)
    {
        var target = u * 100;
        foreach (var (limit, percent) in Default)
        {
            if (target < percent)
            {
                return limit;
            }

            target -= percent;
        }

        return Default[^1].Limit;
    }

    private static int BinarySearchFloor(int max)
    {
        int lo = 0, hi = Values.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (Values[mid] <= max)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found;
    }
}
