using System.Collections.Frozen;
using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace Candor.Server.Operations;

/// <summary>Cardinality limits of the Candor instruments whose label combinations form a small closed set. The
/// OpenTelemetry SDK allocates a metric stream's points up front, limit + 2 of them (2,002 by default: a 144 KB array,
/// an 8 KB index and a 32 KB lookup table per stream, 185 KB), whether or not a series ever comes; 11 of Candor's 24
/// streams can never have more than a handful of series, so their limit is set to what their labels allow (with room
/// to spare) and the rest keep the SDK's 2,000. No series that is exported today folds into the SDK's overflow
/// series: every limit below is above the number of label combinations its instrument can record (docs/operations.md,
/// "Metrics").</summary>
internal static class MetricCardinality
{
    /// <summary>The limit of an instrument that records without labels: its one series has a slot of its own in the
    /// SDK (the zero-label point), outside the limit; 1 is the least the SDK accepts.</summary>
    public const int Unlabelled = 1;

    /// <summary>The limit of an instrument whose one label takes a value from a closed set of a few fixed words.</summary>
    public const int FixedWords = 32;

    /// <summary>Instrument name → cardinality limit, and why the limit holds. The instruments not listed carry a
    /// configured name (public model, channel, upstream model, audit flag or test) in a label, so their series grow
    /// with the configuration; they keep the SDK's default.</summary>
    public static readonly FrozenDictionary<string, int> Limits = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        // No labels (CandorMetrics.GroupCommitted, CheckpointMerged; ReceiptMetrics.Stored; ChannelAuditor; StoreHealth's
        // and ServerMetrics' observable gauges return a bare value).
        ["candor.store.group_commit.batch_size"] = Unlabelled,
        ["candor.transparency.merge_delay"] = Unlabelled,
        ["candor.receipts.seal.duration"] = Unlabelled,
        ["candor.audit.rounds"] = Unlabelled,
        ["candor.store.failing"] = Unlabelled,
        ["candor.requests.in_flight"] = Unlabelled,
        ["candor.streams.open"] = Unlabelled,
        ["candor.transparency.log.size"] = Unlabelled,

        // result: committed or failed (2).
        ["candor.store.group_commit.duration"] = FixedWords,

        // operation: settlement, receipt, probe, admission, admin, request, payment webhook (7 literals at the callers of
        // StoreHealth.Failed and its probe).
        ["candor.store.write_failures"] = FixedWords,

        // outcome: a receipt's outcome, one of ReceiptOutcome's six words (docs/receipts.md).
        ["candor.receipts.signed"] = FixedWords,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The view that applies <see cref="Limits"/> to Candor's meters; null (the SDK's defaults, unchanged
    /// name, description, labels and buckets) for every other instrument.</summary>
    public static MetricStreamConfiguration? View(Instrument instrument) =>
        IsCandorMeter(instrument.Meter.Name) && Limits.TryGetValue(instrument.Name, out int limit)
            ? new MetricStreamConfiguration { CardinalityLimit = limit }
            : null;

    private static bool IsCandorMeter(string name) =>
        name == Core.CandorMetrics.MeterName || name.StartsWith(Core.CandorMetrics.MeterName + ".", StringComparison.Ordinal);
}
