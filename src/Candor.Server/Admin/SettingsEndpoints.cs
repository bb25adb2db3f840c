using System.Globalization;
using Candor.Core.Privacy;
using Candor.Core.Routing;
using Candor.Server.Admin.Contracts;

namespace Candor.Server.Admin;

/// <summary><c>GET /admin/v1/settings</c>: the server's settings as loaded from its configuration file, read-only (the
/// file is the only place to change them). Secrets are never written: no keys, credentials, header values or
/// connection strings — only whether such a thing is configured. Operator only.</summary>
internal static class SettingsEndpoints
{
    public static void MapSettings(this RouteGroupBuilder admin) =>
        admin.MapGet("/settings", AdminEndpoints.Guard(GetAsync))
            .Operation("getSettings", "The server's settings as loaded from its configuration file, read-only; secrets only as configured or not.")
            .Returns<SettingsView>(StatusCodes.Status200OK, "The settings.");

    private static Task GetAsync(HttpContext http)
    {
        var config = http.RequestServices.GetRequiredService<SnapshotHolder>().Current.Config;
        var settings = new SettingsView(
            "Read-only: these come from the configuration file; edit the file and reload to change them.",
            new ServerSettingsView(
                config.PostgresConnection is null ? "sqlite" : "postgres",
                config.TlsCertificateFile is not null,
                config.MaxRequestBytes,
                config.MaxUpstreamResponseBytes,
                config.MaxAttempts,
                config.FastPath,
                config.DefaultMaxOutputTokens,
                config.MaxChoices,
                config.Admission.MaxInFlightRequests,
                config.Admission.MaxOpenStreams,
                config.Admission.MaxConnections,
                [.. config.TrustedProxies.Select(static p => p.ToString())],
                config.ForwardedHeader,
                [.. config.PriceFiles.Select(static f => Path.GetFileName(f) ?? f)]),
            new TransparencyLogSettingsView(
                config.LogOrigin,
                (long)config.LogMaxMergeDelay.TotalMilliseconds,
                [.. config.LogWitnesses.Select(static x => x.Url.GetLeftPart(UriPartial.Authority))]),
            new RoutingSettingsView(
                (long)config.Routing.Deadline.TotalMilliseconds,
                config.Routing.AllUnhealthy.ToString(),
                (long)config.Routing.Health.Window.TotalMilliseconds,
                config.Routing.Health.FailureRate,
                config.Routing.Probes.Enabled),
            new PrivacySettingsView(
                config.Privacy.Retention == RetentionMode.None ? "none" : "account_history",
                config.Privacy.HistoryRetentionDays,
                !ReferenceEquals(config.Redaction, RedactionPolicy.Off)),
            new AuditSettingsView(config.Audit.Enabled, (long)config.Audit.Interval.TotalSeconds, config.Audit.Alpha, config.Audit.Targets.Count),
            new ClusterSettingsView(config.Cluster.Redis is not null, config.Cluster.Nodes),
            new TelemetrySettingsView(config.Telemetry.Metrics, config.Telemetry.Traces, config.Telemetry.JsonLogs),
            new OperatorSettingsView(config.Operator.Name, config.Operator.Domain, config.Operator.Contact),
            config.Channels.Count,
            config.Models.Count,
            config.Keys.Count,
            DateTimeOffset.FromUnixTimeSeconds(config.CreatedUnixSeconds).UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        return AdminHttp.WriteAsync(http, StatusCodes.Status200OK, settings, AdminJsonContext.Default.SettingsView);
    }
}
