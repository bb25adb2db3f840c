using Candor.Core.Audit;

namespace Candor.FunctionalTests.Audit;

/// <summary>With a data directory the evidence accumulated against a channel outlives the process: after a restart the
/// next round goes on from the stored evidence and round (a restart is no fresh start for a cheater), and an operator's
/// lift forgets it for good.</summary>
public sealed class EvidenceRestartTests() : AuditHost(AuditYaml.Config(
    [AuditYaml.Trusted, AuditYaml.OpenAi("watched")],
    [AuditYaml.Model("m-watched", "watched")],
    [AuditYaml.Target("watched")],
    "repeats: 2"))
{
    private AuditVerdict LastModelVerdict() => Auditor.RecentVerdicts(ChannelAuditor.HistoryLength).First(static v => v.Test == "model");

    [Fact]
    public async Task Evidence_SurvivesARestart_AndALiftForgetsIt()
    {
        await NextIntervalAsync();
        await NextIntervalAsync();
        var before = LastModelVerdict();
        Assert.True(before.EvidenceRounds >= 2, $"two intervals, {before.EvidenceRounds} rounds of evidence");

        await RestartAsync();
        await NextIntervalAsync();
        // The round number and the evidence go on from the stored state (a confirmation round, if any, adds one to both).
        var after = LastModelVerdict();
        Assert.True(after.Round > before.Round, $"round {after.Round} after a restart at round {before.Round}");
        Assert.Equal(before.EvidenceRounds + (after.Round - before.Round), after.EvidenceRounds);

        // A lift forgets the evidence, stored too: after another restart it starts from nothing.
        using (var admin = Client(OperatorKey))
        {
            using var lifted = await admin.DeleteAsync("admin/v1/audit/quarantine/watched");
        }

        await RestartAsync();
        await NextIntervalAsync();
        var fresh = LastModelVerdict();
        Assert.True(fresh.Round <= 2, $"round {fresh.Round} after a lift");
        Assert.Equal(fresh.Round, fresh.EvidenceRounds);
    }
}
