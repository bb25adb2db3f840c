using Candor.Core.Audit;

namespace Candor.Server.Admin.Contracts;

/// <summary>The audit's state: settings, targets, quarantined channels with their reasons, recent verdicts, alert count.</summary>
internal sealed record AuditView(
    bool Enabled, long IntervalSeconds, double Alpha, long Alerts, IReadOnlyList<AuditTargetView> Targets,
    IReadOnlyList<QuarantineView> Quarantined, IReadOnlyList<AuditVerdictView> Verdicts);

/// <summary>A channel the audit tests against a reference.</summary>
internal sealed record AuditTargetView(string Channel, string Model, string ReferenceChannel, string ReferenceModel, bool Quarantined);

/// <summary>A quarantined channel: the test that failed, why, since when.</summary>
internal sealed record QuarantineView(string Channel, string Test, string Reason, DateTimeOffset Since)
{
    public static QuarantineView From(QuarantineEntry q) => new(q.ChannelId, q.Test, q.Reason, q.Since);
}

/// <summary>One audit verdict; statistics that are not finite are written as 0.</summary>
internal sealed record AuditVerdictView(
    string Channel, string ClaimedModel, string ReferenceChannel, string Test, double Statistic, double Threshold, double PValue,
    double Alpha, int NProbes, int NReference, string Decision, long Round, DateTimeOffset Time)
{
    public static AuditVerdictView From(AuditVerdict v) => new(
        v.ChannelId, v.ClaimedModel, v.ReferenceChannelId, v.Test, Finite(v.Statistic), Finite(v.Threshold), Finite(v.PValue),
        v.Alpha, v.Probes, v.References, v.DecisionName, v.Round, v.Time);

    private static double Finite(double value) => double.IsFinite(value) ? value : 0;
}
