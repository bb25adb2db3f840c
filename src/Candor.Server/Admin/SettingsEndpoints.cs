using System.Globalization;
using System.Text.Json;
using Candor.Core.Privacy;
using Candor.Core.Routing;

namespace Candor.Server.Admin;

/// <summary><c>GET /admin/v1/settings</c>: the server's settings as loaded from its configuration file, read-only (the
/// file is the only place to change them). Secrets are never written: no keys, credentials, header values or
/// connection strings — only whether such a thing is configured. Operator only.</summary>
internal static class SettingsEndpoints
{
    public static void MapSettings(this RouteGroupBuilder admin) =>
        admin.MapGet("/settings", AdminEndpoints.Guard(GetAsync));

    private static Task GetAsync(HttpContext http)
    {
        var config = http.RequestServices.GetRequiredService<SnapshotHolder>().Current.Config;
        return AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("note", "Read-only: these come from the configuration file; edit the file and reload to change them.");
            w.WriteStartObject("server");
            w.WriteString("storage", config.PostgresConnection is null ? "sqlite" : "postgres");
            w.WriteBoolean("tls", config.TlsCertificateFile is not null);
            w.WriteNumber("max_request_bytes", config.MaxRequestBytes);
            w.WriteNumber("max_upstream_response_bytes", config.MaxUpstreamResponseBytes);
            w.WriteNumber("max_attempts", config.MaxAttempts);
            w.WriteBoolean("fast_path", config.FastPath);
            w.WriteNumber("default_max_output_tokens", config.DefaultMaxOutputTokens);
            w.WriteNumber("max_choices", config.MaxChoices);
            w.WriteNumber("max_in_flight_requests", config.Admission.MaxInFlightRequests);
            w.WriteNumber("max_open_streams", config.Admission.MaxOpenStreams);
            w.WriteNumber("max_connections", config.Admission.MaxConnections);
            AdminJson.Strings(w, "trusted_proxies", config.TrustedProxies.Select(static p => p.ToString()));
            w.WriteString("forwarded_header", config.ForwardedHeader);
            AdminJson.Strings(w, "price_files", config.PriceFiles.Select(static f => Path.GetFileName(f) ?? f));
            w.WriteEndObject();

            w.WriteStartObject("transparency_log");
            if (config.LogOrigin is not null)
            {
                w.WriteString("origin", config.LogOrigin);
            }

            w.WriteNumber("max_merge_delay_ms", (long)config.LogMaxMergeDelay.TotalMilliseconds);
            AdminJson.Strings(w, "witnesses", config.LogWitnesses.Select(static x => x.Url.GetLeftPart(UriPartial.Authority)));
            w.WriteEndObject();

            w.WriteStartObject("routing");
            w.WriteNumber("deadline_ms", (long)config.Routing.Deadline.TotalMilliseconds);
            w.WriteString("all_unhealthy", config.Routing.AllUnhealthy.ToString());
            w.WriteNumber("health_window_ms", (long)config.Routing.Health.Window.TotalMilliseconds);
            w.WriteNumber("health_failure_rate", config.Routing.Health.FailureRate);
            w.WriteBoolean("probes", config.Routing.Probes.Enabled);
            w.WriteEndObject();

            w.WriteStartObject("privacy");
            w.WriteString("retention", config.Privacy.Retention == RetentionMode.None ? "none" : "account_history");
            w.WriteNumber("history_retention_days", config.Privacy.HistoryRetentionDays);
            w.WriteBoolean("server_redaction", !ReferenceEquals(config.Redaction, RedactionPolicy.Off));
            w.WriteEndObject();

            w.WriteStartObject("audit");
            w.WriteBoolean("enabled", config.Audit.Enabled);
            w.WriteNumber("interval_seconds", (long)config.Audit.Interval.TotalSeconds);
            w.WriteNumber("alpha", config.Audit.Alpha);
            w.WriteNumber("targets", config.Audit.Targets.Count);
            w.WriteEndObject();

            w.WriteStartObject("cluster");
            w.WriteBoolean("redis", config.Cluster.Redis is not null);
            w.WriteNumber("nodes", config.Cluster.Nodes);
            w.WriteEndObject();

            w.WriteStartObject("telemetry");
            w.WriteBoolean("metrics", config.Telemetry.Metrics);
            w.WriteBoolean("traces", config.Telemetry.Traces);
            w.WriteBoolean("json_logs", config.Telemetry.JsonLogs);
            w.WriteEndObject();

            w.WriteStartObject("operator");
            Optional(w, "name", config.Operator.Name);
            Optional(w, "domain", config.Operator.Domain);
            Optional(w, "contact", config.Operator.Contact);
            w.WriteEndObject();

            w.WriteNumber("configured_channels", config.Channels.Count);
            w.WriteNumber("configured_models", config.Models.Count);
            w.WriteNumber("configured_client_keys", config.Keys.Count);
            w.WriteString("loaded_at", DateTimeOffset.FromUnixTimeSeconds(config.CreatedUnixSeconds).UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            w.WriteEndObject();
        });
    }

    private static void Optional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }
}
