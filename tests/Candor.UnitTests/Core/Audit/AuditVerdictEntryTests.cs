using System.Text;
using Candor.Core.Audit;

namespace Candor.UnitTests.Core.Audit;

/// <summary>What a log monitor accepts as an audit verdict: exactly the auditor's canonical JSON with a decision its
/// own figures allow; a hand-edited verdict (a failure relabelled as a pass, a member added twice, whitespace, a
/// foreign-model count with a pass) is reported.</summary>
public sealed class AuditVerdictEntryTests
{
    private static readonly DateTimeOffset Time = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);

    private static AuditVerdict Model(AuditDecision decision, double p, double? evidence = 2.5) =>
        new("substitute", "gpt-4o", "trusted", "model", 16.49, 11.71, p, 0.01 / 3, 50, 50, decision, 2, Time)
        { Evidence = evidence, EvidenceRounds = evidence is null ? 0 : 3 };

    public static TheoryData<string> Genuine => new()
    {
        Encoding.UTF8.GetString(Model(AuditDecision.Pass, 0.4).ToCanonicalJson()),
        Encoding.UTF8.GetString(Model(AuditDecision.Suspect, 0.001).ToCanonicalJson()),
        Encoding.UTF8.GetString(Model(AuditDecision.Fail, 0.001).ToCanonicalJson()),
        Encoding.UTF8.GetString(Model(AuditDecision.Fail, 0.5, evidence: 301).ToCanonicalJson()),
        Encoding.UTF8.GetString(Model(AuditDecision.Pass, 0.2, evidence: null).ToCanonicalJson()),
        Encoding.UTF8.GetString(new AuditVerdict("c", "gpt-4o", "r", "reported_model", 3, 0, 0, 0, 50, 50, AuditDecision.Fail, 1, Time).ToCanonicalJson()),
        Encoding.UTF8.GetString(new AuditVerdict("c", "gpt-4o", "r", "reported_model", 0, 0, 1, 0, 50, 50, AuditDecision.Pass, 1, Time).ToCanonicalJson()),
        Encoding.UTF8.GetString(new AuditVerdict("c", "gpt-4o", "r", "all", 0, 0, 1, 0.01, 3, 50, AuditDecision.Inconclusive, 1, Time).ToCanonicalJson()),
        Encoding.UTF8.GetString(new AuditVerdict("通道", "模型", "r", "usage", 1e-7, 0.25, 0.9, 0.01 / 3, 50, 50, AuditDecision.Pass, 9, Time).ToCanonicalJson()),
    };

    [Theory]
    [MemberData(nameof(Genuine))]
    public void AuditorsOwnVerdict_Holds(string verdict)
    {
        Assert.True(AuditVerdictEntry.IsDocument(Encoding.UTF8.GetBytes(verdict)));
        Assert.Null(AuditVerdictEntry.Check(Encoding.UTF8.GetBytes(verdict)));
    }

    public static TheoryData<string, string, string> Tampered => new()
    {
        // A failed round relabelled as a pass: the p-value and the evidence still say otherwise.
        { "\"decision\":\"suspect\"", "\"decision\":\"pass\"", "pass although p_value" },
        { "\"evidence\":2.5", "\"evidence\":400", "reached 1/alpha" },
        { "\"p_value\":0.001", "\"p_value\":0.5", "suspect although p_value" },
        { "\"alpha\":", " \"alpha\":", "canonical form" },
        { "\"channel\":\"substitute\",", "\"channel\":\"substitute\",\"channel\":\"honest\",", "appears twice" },
        { "\"type\":\"candor.audit.verdict.v1\"", "\"type\":\"candor.audit.verdict.v2\"", "type is not" },
        { "\"n_probes\":50,", "", "'n_probes' is missing" },
        { "\"n_probes\":50", "\"n_probes\":\"50\"", "not a number" },
        { "\"time\":\"2026-12-06T08:00:00Z\"", "\"time\":\"yesterday\"", "RFC 3339" },
        { "\"round\":2", "\"round\":2.5", "not a count" },
        { "\"alpha\":0.00333333333,\"channel\":\"substitute\"", "\"channel\":\"substitute\",\"alpha\":0.00333333333", "code-point order" },
        { "\"statistic\":16.49", "\"statistic\":[16.49]", "not a string or a number" },
        { "\"p_value\":0.001", "\"p_value\":1e-3", "canonical form" },
    };

    [Theory]
    [MemberData(nameof(Tampered))]
    public void EditedVerdict_IsReported(string from, string to, string expected)
    {
        string genuine = Encoding.UTF8.GetString(Model(AuditDecision.Suspect, 0.001).ToCanonicalJson());
        Assert.Contains(from, genuine, StringComparison.Ordinal);
        string edited = genuine.Replace(from, to, StringComparison.Ordinal);
        string? problem = AuditVerdictEntry.Check(Encoding.UTF8.GetBytes(edited));
        Assert.NotNull(problem);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ForeignModelNamesWithAPass_AreReported()
    {
        string genuine = Encoding.UTF8.GetString(new AuditVerdict("c", "gpt-4o", "r", "reported_model", 3, 0, 0, 0, 50, 50, AuditDecision.Fail, 1, Time).ToCanonicalJson());
        string edited = genuine.Replace("\"decision\":\"fail\"", "\"decision\":\"pass\"", StringComparison.Ordinal);
        Assert.Contains("reported_model with 3 foreign names must be fail", AuditVerdictEntry.Check(Encoding.UTF8.GetBytes(edited)), StringComparison.Ordinal);
        Assert.NotNull(AuditVerdictEntry.Check("{\"alpha\":0}"u8));
        Assert.NotNull(AuditVerdictEntry.Check("{}"u8));
        Assert.NotNull(AuditVerdictEntry.Check("{\"a\":1} "u8));
        Assert.False(AuditVerdictEntry.IsDocument(new byte[32] { (byte)'{', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31 }));
    }
}
