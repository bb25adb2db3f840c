using System.Net;

namespace Candor.Core.Configuration;

/// <summary>The <c>telemetry</c> section: the Prometheus endpoint and who may read it, OpenTelemetry traces and OTLP
/// export, and the console log format (docs/operations.md, "Metrics", "Traces", "Logs").</summary>
internal sealed record TelemetrySettings
{
    /// <summary>Loopback only: the scrape endpoint's default audience.</summary>
    public static readonly IReadOnlyList<IPNetwork> Loopback = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];

    /// <summary>Serve <c>/metrics</c> in the Prometheus text format (<c>telemetry.metrics</c>, default on).</summary>
    public bool Metrics { get; init; } = true;

    /// <summary>Peers (the TCP connection's address, never a forwarded one) that may read <c>/metrics</c>
    /// (<c>telemetry.metrics_allow</c>, default loopback); others get 404.</summary>
    public IReadOnlyList<IPNetwork> MetricsAllow { get; init; } = Loopback;

    /// <summary>Record OpenTelemetry traces of each request's stages (<c>telemetry.traces</c>, default off).</summary>
    public bool Traces { get; init; }

    /// <summary>An OTLP collector to push metrics (and traces, when on) to (<c>telemetry.otlp_endpoint</c>); null:
    /// none, unless <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>Console log lines as JSON objects (<c>telemetry.log_format: json</c>) instead of text; the
    /// <c>CANDOR_LOG_FORMAT</c> variable overrides it.</summary>
    public bool JsonLogs { get; init; }
}
