using System.Globalization;
using System.Text.Json;
using Candor.Core.Audit;
using Candor.Core.Routing;

namespace Candor.Server.Admin;

/// <summary>The audit's admin routes: <c>GET /admin/v1/audit</c> (settings, quarantined channels with their reasons,
/// recent verdicts, alert count) and <c>DELETE /admin/v1/audit/quarantine/{channel}</c> (lift a quarantine).
/// Operator keys only, like every admin route. See docs/audits.md.</summary>
internal static class AuditEndpoints
{
    /// <summary>Verdicts returned by default and at most.</summary>
    private const int DefaultVerdicts = 100;

    public static void MapAudit(this RouteGroupBuilder admin)
    {
        admin.MapGet("/audit", AdminEndpoints.Guard(GetAsync));
        admin.MapDelete("/audit/quarantine/{channel}", AdminEndpoints.Guard(ReleaseAsync));
    }

    private static Task GetAsync(HttpContext http)
    {
        var services = http.RequestServices;
        var auditor = services.GetRequiredService<ChannelAuditor>();
        var quarantine = services.GetRequiredService<ChannelQuarantine>();
        var settings = services.GetRequiredService<SnapshotHolder>().Current.Config.Audit;
        int limit = int.TryParse(http.Request.Query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l)
            ? Math.Clamp(l, 1, ChannelAuditor.HistoryLength)
            : DefaultVerdicts;
        return AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("enabled", settings.Enabled);
            w.WriteNumber("interval_seconds", (long)settings.Interval.TotalSeconds);
            w.WriteNumber("alpha", settings.Alpha);
            w.WriteNumber("alerts", auditor.Alerts);
            w.WriteStartArray("targets");
            foreach (var t in settings.Targets)
            {
                w.WriteStartObject();
                w.WriteString("channel", t.ChannelId);
                w.WriteString("model", t.Model);
                w.WriteString("reference_channel", t.ReferenceChannelId);
                w.WriteString("reference_model", t.ReferenceModel);
                w.WriteBoolean("quarantined", quarantine.IsQuarantined(t.ChannelId));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("quarantined");
            foreach (var q in quarantine.Entries)
            {
                w.WriteStartObject();
                w.WriteString("channel", q.ChannelId);
                w.WriteString("test", q.Test);
                w.WriteString("reason", q.Reason);
                w.WriteString("since", q.Since);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("verdicts");
            foreach (var v in auditor.RecentVerdicts(limit))
            {
                Verdict(w, v);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static async Task ReleaseAsync(HttpContext http)
    {
        string channel = AdminHttp.Route(http, "channel");
        if (!await http.RequestServices.GetRequiredService<ChannelAuditor>().ReleaseAsync(channel, http.RequestAborted).ConfigureAwait(false))
        {
            await AdminHttp.NotFoundAsync(http, "quarantined channel").ConfigureAwait(false);
            return;
        }

        http.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static void Verdict(Utf8JsonWriter w, AuditVerdict v)
    {
        w.WriteStartObject();
        w.WriteString("channel", v.ChannelId);
        w.WriteString("claimed_model", v.ClaimedModel);
        w.WriteString("reference_channel", v.ReferenceChannelId);
        w.WriteString("test", v.Test);
        w.WriteNumber("statistic", Finite(v.Statistic));
        w.WriteNumber("threshold", Finite(v.Threshold));
        w.WriteNumber("p_value", Finite(v.PValue));
        w.WriteNumber("alpha", v.Alpha);
        w.WriteNumber("n_probes", v.Probes);
        w.WriteNumber("n_reference", v.References);
        w.WriteString("decision", v.DecisionName);
        w.WriteNumber("round", v.Round);
        w.WriteString("time", v.Time);
        w.WriteEndObject();
    }

    private static double Finite(double value) => double.IsFinite(value) ? value : 0;
}
