using Candor.Core.Audit;

namespace Candor.FunctionalTests.Audit;

/// <summary>With a data directory the evidence accumulated against a channel outlives the process: after a restart the
/// next round goes on from the stored evidence and round (a restart is no fresh start for a cheater), and an operator's
/// lift forgets it for good.</summary>
public sealed class EvidenceRestartTests() : AuditHost("""
    server:
      data_dir: data
    channels:
      - { id: trusted, provider: openai, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
      - { id: watched, provider: openai, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
    models:
      - { name: m-watched, deployments: [{ channel: watched, model: gpt-4o }] }
    keys:
      - { name: client, key_env: CLIENT_KEY }
    audit:
      enabled: true
      interval: 10m
      repeats: 2
      targets:
        - { channel: watched, model: gpt-4o, reference_channel: trusted }
    """)
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
