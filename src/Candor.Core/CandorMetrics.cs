using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Candor.Core;

/// <summary>The relay's counters and histograms (meter <c>Candor</c>), recorded with System.Diagnostics.Metrics only:
/// the server wires the OpenTelemetry SDK and its exporters (docs/operations.md, "Metrics"). Every label value is a
/// configured name (public model, channel), a route template's surface name or a fixed word — never the request path,
/// a key or any content. An instrument nobody listens to costs one <see cref="Instrument.Enabled"/> check.</summary>
internal static class CandorMetrics
{
    /// <summary>The meter's name, for <c>AddMeter</c>.</summary>
    public const string MeterName = "Candor";

    /// <summary>Buckets (seconds) for request, first-byte and upstream latencies: 5 ms to 2 minutes.</summary>
    internal static readonly double[] LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

    /// <summary>Buckets (seconds) for store commits and log merge delays: 100 µs to 10 s.</summary>
    internal static readonly double[] StorageBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

    /// <summary>Buckets for group-commit batch sizes (items per transaction, at most 512).</summary>
    internal static readonly long[] BatchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

    private static readonly Meter Meter = new(MeterName, typeof(CandorMetrics).Assembly.GetName().Version?.ToString(3));

    private static readonly Counter<long> Requests = Meter.CreateCounter<long>("candor.requests", "{request}",
        "Relayed requests, by surface, operation (chat, embeddings, count_tokens), public model, channel, status and path (fast, translated, - before routing)");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram("candor.request.duration", "s",
        "Time from a request's arrival to its end, by surface, operation, public model, channel, path and status",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });

    private static readonly Histogram<double> FirstByte = Meter.CreateHistogram("candor.request.time_to_first_byte", "s",
        "Time from a request's arrival to its response head (status decided, first byte next), by surface, public model and path",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });

    private static readonly Histogram<double> Upstream = Meter.CreateHistogram("candor.upstream.duration", "s",
        "Time a request spent waiting on upstreams (every attempt), by surface, public model and channel",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });

    private static readonly Counter<long> Tokens = Meter.CreateCounter<long>("candor.tokens", "{token}",
        "Tokens billed on settled requests of stored keys, by public model, channel and direction (input, output)");

    private static readonly Counter<long> Spend = Meter.CreateCounter<long>("candor.spend", "{micro_usd}",
        "Amount charged on settled requests of stored keys, in micro-USD, by public model and channel");

    private static readonly Counter<long> ReservationFailures = Meter.CreateCounter<long>("candor.billing.reservation_failures", "{request}",
        "Requests refused because the balance or the key's budget did not cover their reservation, by public model");

    private static readonly Histogram<long> BatchSize = Meter.CreateHistogram("candor.store.group_commit.batch_size", "{item}",
        "Items written by one group-commit transaction",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = BatchBuckets });

    private static readonly Histogram<double> CommitTime = Meter.CreateHistogram("candor.store.group_commit.duration", "s",
        "Time of one group-commit transaction, its commit (the WAL fsync) included, by result",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StorageBuckets });

    private static readonly Histogram<double> MergeDelay = Meter.CreateHistogram("candor.transparency.merge_delay", "s",
        "Time from the oldest entry of a checkpoint becoming durable to the checkpoint's publication",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StorageBuckets });

    /// <summary>Records a relayed request's end: count, duration, time to first byte (when a head was committed) and
    /// the time spent on upstreams (when it reached one).</summary>
    /// <param name="surface">The surface's name (its route templates).</param>
    /// <param name="operation">chat, embeddings or count_tokens.</param>
    /// <param name="model">A configured public model name, or <c>(unknown)</c>.</param>
    /// <param name="channel">A configured channel id, or <c>-</c>.</param>
    /// <param name="path">fast, translated or <c>-</c>.</param>
    /// <param name="status">The response status.</param>
    /// <param name="start">The request's arrival (<see cref="Stopwatch.GetTimestamp"/>).</param>
    /// <param name="firstByte">When the response head was committed; 0 when none was.</param>
    /// <param name="upstreamTicks">Stopwatch ticks spent on upstreams.</param>
    public static void RequestCompleted(string surface, string operation, string model, string channel, string path, int status, long start, long firstByte, long upstreamTicks)
    {
        if (!Requests.Enabled && !Duration.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { "surface", surface },
            { "operation", operation },
            { "model", model },
            { "channel", channel },
            { "path", path },
            { "status", StatusText(status) },
        };
        Requests.Add(1, tags);
        Duration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, tags);
        if (firstByte != 0)
        {
            FirstByte.Record(Stopwatch.GetElapsedTime(start, firstByte).TotalSeconds, new TagList { { "surface", surface }, { "model", model }, { "path", path } });
        }

        if (upstreamTicks > 0)
        {
            Upstream.Record(Stopwatch.GetElapsedTime(0, upstreamTicks).TotalSeconds, new TagList { { "surface", surface }, { "model", model }, { "channel", channel } });
        }
    }

    /// <summary>Records a settlement: tokens billed each way and the amount charged.</summary>
    public static void Settled(string model, string? channel, long inputTokens, long outputTokens, long chargeMicros)
    {
        if (!Tokens.Enabled)
        {
            return;
        }

        string channelTag = channel ?? "-";
        Tokens.Add(inputTokens, new TagList { { "model", model }, { "channel", channelTag }, { "direction", "input" } });
        Tokens.Add(outputTokens, new TagList { { "model", model }, { "channel", channelTag }, { "direction", "output" } });
        Spend.Add(chargeMicros, new TagList { { "model", model }, { "channel", channelTag } });
    }

    /// <summary>Records a request refused at its reservation.</summary>
    public static void ReservationFailed(string model)
    {
        if (ReservationFailures.Enabled)
        {
            ReservationFailures.Add(1, new KeyValuePair<string, object?>("model", model));
        }
    }

    /// <summary>Records one group-commit transaction: its size, its time and whether it committed.</summary>
    public static void GroupCommitted(int items, long start, bool committed)
    {
        if (BatchSize.Enabled)
        {
            BatchSize.Record(items);
        }

        if (CommitTime.Enabled)
        {
            CommitTime.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, new KeyValuePair<string, object?>("result", committed ? "committed" : "failed"));
        }
    }

    /// <summary>Records a published checkpoint's merge delay.</summary>
    public static void CheckpointMerged(TimeSpan delay)
    {
        if (MergeDelay.Enabled)
        {
            MergeDelay.Record(delay.TotalSeconds);
        }
    }

    /// <summary>Status codes as label values without allocating for the common ones.</summary>
    private static string StatusText(int status) => status switch
    {
        200 => "200",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        408 => "408",
        413 => "413",
        429 => "429",
        499 => "499",
        500 => "500",
        502 => "502",
        503 => "503",
        504 => "504",
        _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
