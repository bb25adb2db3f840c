using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>The <c>telemetry</c> section (<see cref="TelemetrySettings"/>).</summary>
internal sealed class TelemetrySectionReader(ConfigReader yaml)
{
    public TelemetrySettings Read(YamlNode node)
    {
        var settings = new TelemetrySettings();
        yaml.Each(node, "telemetry", (key, k, v, path) => settings = key switch
        {
            "metrics" => settings with { Metrics = yaml.Bool(v, path) },
            "metrics_allow" => settings with { MetricsAllow = new ServerSectionReader(yaml).TrustedProxies(v, path) },
            "traces" => settings with { Traces = yaml.Bool(v, path) },
            "otlp_endpoint" => settings with { OtlpEndpoint = Endpoint(v, path) },
            "log_format" => settings with { JsonLogs = LogFormat(yaml.Scalar(v, path)) ?? throw yaml.Fail(v, path, "expected text or json") },
            _ => throw yaml.Fail(k, path, "unknown setting (expected metrics, metrics_allow, traces, otlp_endpoint, log_format)"),
        });
        return settings;
    }

    /// <summary>Whether <paramref name="format"/> (text or json, any case) asks for JSON; null for anything else.</summary>
    public static bool? LogFormat(string? format) => format?.Trim().ToLowerInvariant() switch
    {
        "json" => true,
        "text" => false,
        _ => null,
    };

    private Uri Endpoint(YamlNode node, string path) =>
        Uri.TryCreate(yaml.Scalar(node, path).Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw yaml.Fail(node, path, "expected an http or https URL, such as http://otel-collector:4317");
}
