using System.Diagnostics.Metrics;
using Candor.Core.Receipts;
using Microsoft.Extensions.Logging.Abstractions;

namespace Candor.UnitTests.Core.Receipts;

/// <summary>The receipt metrics: one signed receipt per stored receipt, by outcome, its seal time, and each audit flag
/// by flag and channel.</summary>
public sealed class ReceiptMetricsTests
{
    [Fact]
    public void Stored_CountsTheReceiptByOutcome_AndEachFlag()
    {
        using var factory = new TestMeterFactory();
        using var metrics = new ReceiptMetrics(factory, NullLogger.Instance);
        var seen = new List<(string Instrument, double Value, string Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (factory.Created.Contains(instrument.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => seen.Add((i.Name, v, Tags(tags))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => seen.Add((i.Name, v, Tags(tags))));
        listener.Start();
        using var draft = new ReceiptDraft("rcpt_1", "req_1", "openai", "config:a", null, "0123456789abcdef0123456789abcdef", "{}"u8);
        draft.Flag(AuditFlags.UsageDiscrepancy);

        metrics.Stored(draft, ReceiptOutcome.Complete, TimeSpan.FromMilliseconds(3));

        Assert.Contains(("candor.receipts.signed", 1d, "outcome=complete"), seen);
        Assert.Contains(("candor.receipts.seal.duration", 3d, ""), seen);
        Assert.Contains(("candor.audit.flags", 1d, $"channel=-,flag={AuditFlags.UsageDiscrepancy}"), seen);
        Assert.Equal(3, seen.Count);
    }

    [Fact]
    public void WithoutAMeterFactory_NothingIsCreated_StoredStillRuns()
    {
        using var metrics = new ReceiptMetrics(null, NullLogger.Instance);
        using var draft = new ReceiptDraft("rcpt_1", "req_1", "openai", "config:a", null, "0123456789abcdef0123456789abcdef", "{}"u8);
        draft.Flag(AuditFlags.UsageDiscrepancy);
        metrics.Stored(draft, ReceiptOutcome.Complete, TimeSpan.Zero);
    }

    private static string Tags(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var list = new List<string>();
        foreach (var tag in tags)
        {
            list.Add($"{tag.Key}={tag.Value}");
        }

        list.Sort(StringComparer.Ordinal);
        return string.Join(',', list);
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        public List<Meter> Created { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            Created.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Created)
            {
                meter.Dispose();
            }
        }
    }
}
