using System.Globalization;
using Candor.Core.Audit;
using Candor.Core.Routing;
using Candor.Server.Admin.Contracts;

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
        admin.MapGet("/audit", AdminEndpoints.Guard(GetAsync))
            .Operation("getAudit", "The audit's settings, targets, quarantined channels with their reasons, recent verdicts and alert count.")
            .Query(new AdminQueryParameter("limit", $"Verdicts returned, newest first: 1 to {ChannelAuditor.HistoryLength} (default {DefaultVerdicts}).", "integer"))
            .Returns<AuditView>(StatusCodes.Status200OK, "The audit's state.");
        admin.MapDelete("/audit/quarantine/{channel}", AdminEndpoints.Guard(ReleaseAsync))
            .Operation("releaseQuarantine", "Lift a channel's quarantine; it routes again from the next request.")
            .Returns(StatusCodes.Status204NoContent, "Lifted.")
            .Fails(StatusCodes.Status404NotFound);
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
        var audit = new AuditView(
            settings.Enabled,
            (long)settings.Interval.TotalSeconds,
            settings.Alpha,
            auditor.Alerts,
            [.. settings.Targets.Select(t => new AuditTargetView(t.ChannelId, t.Model, t.ReferenceChannelId, t.ReferenceModel, quarantine.IsQuarantined(t.ChannelId)))],
            [.. quarantine.Entries.Select(QuarantineView.From)],
            [.. auditor.RecentVerdicts(limit).Select(AuditVerdictView.From)]);
        return AdminHttp.WriteAsync(http, StatusCodes.Status200OK, audit, AdminJsonContext.Default.AuditView);
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
}
