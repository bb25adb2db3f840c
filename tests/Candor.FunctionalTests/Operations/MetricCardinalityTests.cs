using System.Diagnostics.Metrics;
using Candor.Server.Operations;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Candor.FunctionalTests.Operations;

/// <summary>The cardinality limits of <see cref="MetricCardinality"/>: a limited instrument keeps a series for every
/// label value it can record and folds into the SDK's overflow series only past its limit; the view changes nothing else
/// (histogram buckets from the instrument's advice stay); an instrument not listed, or of another meter, keeps the SDK's
/// default. Each test listens to a meter of its own (every host in the process shares the Candor meters).</summary>
public sealed class MetricCardinalityTests
{
    private const string Overflow = "otel.metric.overflow";

    [Fact]
    public void WriteFailures_EveryOperationAndTheLimit_KeepTheirSeries_OnePastTheLimitOverflows()
    {
        using var meter = new Meter("Candor.CardinalityTest." + Guid.NewGuid().ToString("N"));
        var exported = new List<MetricSnapshot>();
        using (var provider = Provider(meter, exported))
        {
            var failures = meter.CreateCounter<long>("candor.store.write_failures");
            string[] operations = ["settlement", "receipt", "probe", "admission", "admin", "request", "payment webhook"];
            foreach (string operation in operations)
            {
                failures.Add(1, new KeyValuePair<string, object?>("operation", operation));
            }

            provider.ForceFlush();
            var points = Single(exported, "candor.store.write_failures").MetricPoints;
            Assert.Equal(operations.Length, points.Count);
            Assert.DoesNotContain(points, IsOverflow);

            // Up to the limit every value still has its own series; the next one is folded.
            for (int i = operations.Length; i < MetricCardinality.FixedWords; i++)
            {
                failures.Add(1, new KeyValuePair<string, object?>("operation", "extra-" + i));
            }

            exported.Clear();
            provider.ForceFlush();
            points = Single(exported, "candor.store.write_failures").MetricPoints;
            Assert.Equal(MetricCardinality.FixedWords, points.Count);
            Assert.DoesNotContain(points, IsOverflow);

            failures.Add(1, new KeyValuePair<string, object?>("operation", "one too many"));
            exported.Clear();
            provider.ForceFlush();
            points = Single(exported, "candor.store.write_failures").MetricPoints;
            Assert.Contains(points, IsOverflow);
        }
    }

    [Fact]
    public void UnlabelledHistogram_KeepsItsSeriesAndTheAdvisedBuckets()
    {
        using var meter = new Meter("Candor.CardinalityTest." + Guid.NewGuid().ToString("N"));
        var exported = new List<MetricSnapshot>();
        using var provider = Provider(meter, exported);
        double[] buckets = [0.0001, 0.001, 0.01, 0.1, 1];
        var commits = meter.CreateHistogram("candor.store.group_commit.batch_size", "{item}", "test",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = buckets });
        commits.Record(0.005);
        commits.Record(0.5);

        provider.ForceFlush();
        var point = Assert.Single(Single(exported, "candor.store.group_commit.batch_size").MetricPoints);
        Assert.Equal(0, point.Tags.Count);
        Assert.Equal(2, point.GetHistogramCount());
        var bounds = new List<double>();
        foreach (var bucket in point.GetHistogramBuckets())
        {
            bounds.Add(bucket.ExplicitBound);
        }

        Assert.Equal(buckets.Append(double.PositiveInfinity).ToArray(), bounds.ToArray());
    }

    [Fact]
    public void ConfiguredNameInstruments_AndOtherMeters_KeepTheDefault()
    {
        using var candor = new Meter("Candor.CardinalityTest." + Guid.NewGuid().ToString("N"));
        using var other = new Meter("Other.CardinalityTest." + Guid.NewGuid().ToString("N"));
        Assert.Null(MetricCardinality.View(candor.CreateCounter<long>("candor.requests")));
        Assert.Null(MetricCardinality.View(candor.CreateHistogram<double>("candor.request.duration")));
        Assert.Null(MetricCardinality.View(other.CreateCounter<long>("candor.store.write_failures")));
        Assert.Equal(MetricCardinality.Unlabelled, MetricCardinality.View(candor.CreateCounter<long>("candor.audit.rounds"))?.CardinalityLimit);

        // Far more series than any limit of the list: none folds.
        var exported = new List<MetricSnapshot>();
        using var provider = Provider(candor, exported);
        var requests = candor.CreateCounter<long>("candor.requests");
        for (int i = 0; i < 500; i++)
        {
            requests.Add(1, new KeyValuePair<string, object?>("channel", "channel-" + i));
        }

        provider.ForceFlush();
        var points = Single(exported, "candor.requests").MetricPoints;
        Assert.Equal(500, points.Count);
        Assert.DoesNotContain(points, IsOverflow);
    }

    private static MeterProvider Provider(Meter meter, List<MetricSnapshot> exported) =>
        OpenTelemetry.Sdk.CreateMeterProviderBuilder().AddMeter(meter.Name).AddView(MetricCardinality.View).AddInMemoryExporter(exported).Build()!;

    private static MetricSnapshot Single(List<MetricSnapshot> exported, string name) => Assert.Single(exported, m => m.Name == name);

    private static bool IsOverflow(MetricPoint point)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == Overflow)
            {
                return true;
            }
        }

        return false;
    }
}
