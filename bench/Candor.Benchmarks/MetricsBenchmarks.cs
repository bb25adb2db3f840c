using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Candor.Core;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Candor.Benchmarks;

/// <summary>What recording a request's metrics costs (docs/operations.md, "Metrics"): the calls one relayed, billed
/// request makes — its end (count, duration, first byte, upstream time) and its settlement (tokens, spend) — with no
/// listener (metrics off) and with the OpenTelemetry SDK aggregating them as the server wires it (metrics on).</summary>
[MemoryDiagnoser]
public class MetricsBenchmarks
{
    private MeterProvider? _provider;
    private long _start;

    /// <summary>Whether an OpenTelemetry meter provider listens to the <c>Candor</c> meter.</summary>
    [Params(false, true)]
    public bool MetricsOn { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (MetricsOn)
        {
            _provider = Sdk.CreateMeterProviderBuilder().AddMeter(CandorMetrics.MeterName).Build();
        }

        _start = Stopwatch.GetTimestamp();
    }

    [GlobalCleanup]
    public void Cleanup() => _provider?.Dispose();

    /// <summary>One request's recording: its end and its settlement.</summary>
    [Benchmark]
    public void RequestTelemetry()
    {
        CandorMetrics.RequestCompleted("openai", "chat", "gpt-4o-mini", "openai-main", "fast", 200, _start, _start + 1000, 5000);
        CandorMetrics.Settled("gpt-4o-mini", "openai-main", 1200, 300, 4_500);
    }
}
