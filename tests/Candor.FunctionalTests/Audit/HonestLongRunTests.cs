using System.Globalization;
using Candor.Core.Audit;
using Xunit.Abstractions;

namespace Candor.FunctionalTests.Audit;

/// <summary>Honest channels over a long simulated run (the fake clock advances one interval per round): the measured
/// per-round rejection rate stays near alpha, and no channel is ever quarantined.</summary>
public sealed class HonestLongRunTests(HonestLongRunTests.Host host, ITestOutputHelper output) : IClassFixture<HonestLongRunTests.Host>
{
    public const int Intervals = 100;

    public sealed class Host() : AuditHost(AuditYaml.Config(
        [AuditYaml.OpenAi("oa-trusted"), AuditYaml.OpenAi("oa-honest"), AuditYaml.Anthropic("an-trusted"), AuditYaml.Anthropic("an-honest")],
        [AuditYaml.Model("m", "oa-honest")],
        [AuditYaml.Target("oa-honest", reference: "oa-trusted"), AuditYaml.Target("an-honest", "claude-sonnet-4-5", "an-trusted")],
        "concurrency: 4"));

    [Fact]
    public async Task HonestChannels_LongRun_NoQuarantine_MeasuredFalsePositiveRate()
    {
        for (var i = 0; i < Intervals; i++)
        {
            await host.NextIntervalAsync();
        }

        var verdicts = host.Auditor.RecentVerdicts(ChannelAuditor.HistoryLength);
        var rounds = verdicts.Where(static v => v.Test == "model").Select(static v => (v.ChannelId, v.Round)).Distinct().Count();
        var statistical = verdicts.Where(static v => v.Test is "model" or "truncation" or "usage").ToList();
        var rejections = statistical.Count(static v => v.Decision is AuditDecision.Suspect or AuditDecision.Fail);
        var suspectRounds = verdicts.Where(static v => v.Decision is AuditDecision.Suspect or AuditDecision.Fail)
            .Select(static v => (v.ChannelId, v.Round)).Distinct().Count();
        var inconclusive = verdicts.Count(static v => v.Decision == AuditDecision.Inconclusive);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{rounds} channel-rounds over {Intervals} intervals; {statistical.Count} statistical tests; {rejections} rejections " +
            $"({(double)rejections / statistical.Count:P2} per test, alpha/3 = 0.33%); {suspectRounds} suspect rounds " +
            $"({(double)suspectRounds / rounds:P2} per round, alpha = 1%); quarantines {host.Quarantine.Entries.Count}; inconclusive {inconclusive}"));

        foreach (var entry in host.Quarantine.Entries)
        {
            output.WriteLine($"quarantined {entry.ChannelId} on {entry.Test}: {entry.Reason}");
        }

        foreach (var v in statistical.Where(static v => v.Decision is AuditDecision.Suspect or AuditDecision.Fail))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rejected: {v.ChannelId} round {v.Round} {v.Test} {v.Decision}: statistic {v.Statistic:G4} threshold {v.Threshold:G4} p {v.PValue:G3} evidence {v.Evidence:G4}"));
        }

        Assert.Equal(0, inconclusive);
        Assert.True(rounds >= 2 * Intervals, $"only {rounds} rounds ran");
        Assert.Empty(host.Quarantine.Entries);
        Assert.Equal(0, host.Auditor.Alerts);

        // alpha = 1% per round: far above 5% would mean the test is not calibrated.
        Assert.True(suspectRounds <= rounds / 20, $"{suspectRounds} suspect rounds of {rounds}");
        Assert.DoesNotContain(verdicts, static v => v.Test == "reported_model" && v.Decision != AuditDecision.Pass);
    }
}
