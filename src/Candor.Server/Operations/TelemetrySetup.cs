using System.Net;
using Candor.Core;
using Candor.Core.Configuration;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Candor.Server.Operations;

/// <summary>Metrics, traces and the console log format (<c>telemetry:</c>; docs/operations.md, "Metrics", "Traces",
/// "Logs"). Core records through System.Diagnostics.Metrics (<see cref="CandorMetrics"/>, the <c>Candor.*</c> meters)
/// and <see cref="CandorTracing"/>; the OpenTelemetry SDK, the Prometheus endpoint and OTLP export are wired here.</summary>
internal static class TelemetrySetup
{
    /// <summary>The scrape endpoint's path.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>Chooses JSON console lines over text (<c>CANDOR_LOG_FORMAT</c> overrides <c>telemetry.log_format</c>).</summary>
    public const string LogFormatVariable = "CANDOR_LOG_FORMAT";

    /// <summary>The standard OTLP endpoint variable; when set, OTLP export is on even without <c>telemetry.otlp_endpoint</c>.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Console logging: one line of text per event (default) or one JSON object per line for log shippers.
    /// Either way only [LoggerMessage] templates and their values are written: no content, no key.</summary>
    public static void AddConsole(ILoggingBuilder logging, TelemetrySettings telemetry, Func<string, string?> environment)
    {
        if (JsonLogs(telemetry, environment))
        {
            logging.AddJsonConsole(o =>
            {
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
                o.IncludeScopes = false;
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }
    }

    /// <summary>Whether console logs are JSON: <c>CANDOR_LOG_FORMAT</c>, else <c>telemetry.log_format</c>.</summary>
    /// <exception cref="ConfigException">The variable is neither text nor json.</exception>
    public static bool JsonLogs(TelemetrySettings telemetry, Func<string, string?> environment)
    {
        string? variable = environment(LogFormatVariable);
        return variable is { Length: > 0 }
            ? TelemetrySectionReader.LogFormat(variable) ?? throw new ConfigException($"{LogFormatVariable} must be text or json, not '{variable}'")
            : telemetry.JsonLogs;
    }

    /// <summary>Where Candor's own console lines go (<see cref="JsonConsoleLines"/>): <paramref name="console"/> itself,
    /// or with JSON logs each line as a JSON object on it.</summary>
    public static TextWriter? ConsoleLines(TextWriter? console, TelemetrySettings telemetry, Func<string, string?> environment, TimeProvider time) =>
        console is not null && JsonLogs(telemetry, environment) ? new JsonConsoleLines(console, time) : console;

    /// <summary>Registers the SDK: a meter provider over the <c>Candor</c> meters (Prometheus when
    /// <c>telemetry.metrics</c>, OTLP when an endpoint is set) and, when <c>telemetry.traces</c> is on, a tracer
    /// provider over <see cref="CandorTracing"/> only (no ASP.NET or HttpClient instrumentation: those would record the
    /// request path, where Gemini puts the model name).</summary>
    public static void AddTelemetry(IServiceCollection services, TelemetrySettings telemetry, Func<string, string?> environment)
    {
        var otlp = telemetry.OtlpEndpoint ?? (environment(OtlpEndpointVariable) is { Length: > 0 } variable && Uri.TryCreate(variable, UriKind.Absolute, out var fromVariable) ? fromVariable : null);
        if (!telemetry.Metrics && otlp is null && !telemetry.Traces)
        {
            return;
        }

        services.AddSingleton<ServerMetrics>();
        var builder = services.AddOpenTelemetry().ConfigureResource(static r => r.AddService("candor", serviceVersion: CandorVersion.Version));
        if (telemetry.Metrics || otlp is not null)
        {
            builder.WithMetrics(m =>
            {
                m.AddMeter(CandorMetrics.MeterName, CandorMetrics.MeterName + ".*");
                m.AddView(MetricCardinality.View);
                if (telemetry.Metrics)
                {
                    m.AddPrometheusExporter(static o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                }

                if (otlp is not null)
                {
                    m.AddOtlpExporter(o => o.Endpoint = otlp);
                }
            });
        }

        if (telemetry.Traces)
        {
            builder.WithTracing(t =>
            {
                t.AddSource(CandorTracing.SourceName);
                if (otlp is not null)
                {
                    t.AddOtlpExporter(o => o.Endpoint = otlp);
                }
            });
        }
    }

    /// <summary>Maps <c>/metrics</c> for peers in <c>telemetry.metrics_allow</c> (the client address as Candor resolves
    /// it, behind trusted proxies the forwarded one); any other peer gets the same 404 as an unknown path.</summary>
    public static void MapMetrics(WebApplication app, TelemetrySettings telemetry)
    {
        // The gauges exist once resolved (for OTLP export too).
        _ = app.Services.GetService<ServerMetrics>();
        if (!telemetry.Metrics)
        {
            return;
        }

        var allowed = telemetry.MetricsAllow;
        app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (http, next) =>
        {
            if (!Allowed(allowed, http.Connection.RemoteIpAddress))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            await next(http).ConfigureAwait(false);
        }), optionsName: null);
    }

    /// <summary>Whether <paramref name="peer"/> is inside one of <paramref name="allowed"/> (IPv4-mapped addresses as IPv4).</summary>
    public static bool Allowed(IReadOnlyList<IPNetwork> allowed, IPAddress? peer)
    {
        if (peer is null)
        {
            return false;
        }

        if (peer.IsIPv4MappedToIPv6)
        {
            peer = peer.MapToIPv4();
        }

        foreach (var network in allowed)
        {
            if (network.Contains(peer))
            {
                return true;
            }
        }

        return false;
    }
}
