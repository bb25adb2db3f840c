using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Candor.Core.Audit;

/// <summary>The outcome of one audit test of one channel in one round.</summary>
internal enum AuditDecision
{
    /// <summary>The test did not reject.</summary>
    Pass,

    /// <summary>The test rejected once; a confirmation round follows at once.</summary>
    Suspect,

    /// <summary>The test rejected in two rounds in a row (or a deterministic check failed): the channel is quarantined.</summary>
    Fail,

    /// <summary>Too few probes were answered to test (the channel's health is routing's concern).</summary>
    Inconclusive,
}

/// <summary>One audit verdict: which test ran on which channel, what it measured, against which threshold, on how many
/// answers, and what was decided. Its canonical JSON (<see cref="ToCanonicalJson"/>) is what the transparency log gets.</summary>
/// <param name="ChannelId">The audited channel.</param>
/// <param name="ClaimedModel">The model the channel claims to serve.</param>
/// <param name="ReferenceChannelId">The trusted channel of the reference profile.</param>
/// <param name="Test">model, truncation, usage or reported_model.</param>
/// <param name="Statistic">The observed statistic.</param>
/// <param name="Threshold">The critical value at <paramref name="Alpha"/> (permutation quantile), or 0 for a deterministic check.</param>
/// <param name="PValue">The permutation p-value (1 or 0 for a deterministic check).</param>
/// <param name="Alpha">The level of the test.</param>
/// <param name="Probes">Channel answers tested.</param>
/// <param name="References">Reference answers tested.</param>
/// <param name="Decision">The decision.</param>
/// <param name="Round">The round number of this target since start.</param>
/// <param name="Time">When the round ended.</param>
internal sealed record AuditVerdict(
    string ChannelId, string ClaimedModel, string ReferenceChannelId, string Test, double Statistic, double Threshold, double PValue,
    double Alpha, int Probes, int References, AuditDecision Decision, long Round, DateTimeOffset Time)
{
    /// <summary>The test's accumulated evidence after this round (<see cref="SequentialEvidence"/>: the e-value since
    /// the last reset; it fails the test at 1/<see cref="Alpha"/>), or null for a test without one.</summary>
    public double? Evidence { get; init; }

    /// <summary>The rounds the evidence covers.</summary>
    public int EvidenceRounds { get; init; }

    /// <summary>Whether the accumulated evidence, rather than two rejections in a row, decided a failure.</summary>
    public bool FailedOnEvidence => Decision == AuditDecision.Fail && Evidence is { } e && Alpha > 0 && e >= 1 / Alpha;

    /// <summary>The decision's lower-case name.</summary>
    public string DecisionName => Decision switch
    {
        AuditDecision.Pass => "pass",
        AuditDecision.Suspect => "suspect",
        AuditDecision.Fail => "fail",
        _ => "inconclusive",
    };

    /// <summary>The verdict as canonical JSON: members in code-point order, no whitespace, numbers rounded to nine
    /// significant digits, time in RFC 3339 UTC (the shape of RFC 8785 for these value types); <c>evidence</c> and
    /// <c>evidence_rounds</c> for the statistical tests (added later; readers ignore members they do not know). Prefixed by a
    /// <c>"type":"candor.audit.verdict.v1"</c> member so log monitors tell it from receipts.</summary>
    public byte[] ToCanonicalJson()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("alpha", Round9(Alpha));
            json.WriteString("channel", ChannelId);
            json.WriteString("claimed_model", ClaimedModel);
            json.WriteString("decision", DecisionName);
            if (Evidence is { } evidence)
            {
                json.WriteNumber("evidence", Round9(evidence));
                json.WriteNumber("evidence_rounds", EvidenceRounds);
            }

            json.WriteNumber("n_probes", Probes);
            json.WriteNumber("n_reference", References);
            json.WriteNumber("p_value", Round9(PValue));
            json.WriteString("reference_channel", ReferenceChannelId);
            json.WriteNumber("round", Round);
            json.WriteNumber("statistic", Round9(Statistic));
            json.WriteString("test", Test);
            json.WriteNumber("threshold", Round9(Threshold));
            json.WriteString("time", Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            json.WriteString("type", "candor.audit.verdict.v1");
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static double Round9(double value) =>
        double.IsFinite(value) && value != 0
            ? Math.Round(value, Math.Clamp(8 - (int)Math.Floor(Math.Log10(Math.Abs(value))), 0, 15))
            : double.IsFinite(value) ? 0 : -1;
}
