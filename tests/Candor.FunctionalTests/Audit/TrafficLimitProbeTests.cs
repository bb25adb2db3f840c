using System.Globalization;
using Candor.Core.Audit;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Candor.Protocols.Canonical;
using Xunit.Abstractions;

namespace Candor.FunctionalTests.Audit;

/// <summary>Cap checks ride on ordinary probes: once the channel's surface has traffic, probes send the limits that
/// traffic sends (here 20 tokens, below the emulator's 12–40-token answers, so the reference often runs to it). An honest
/// channel passes every cap verdict; one that silently lowers the limit to 5 tokens breaks the cap check.</summary>
public sealed class TrafficLimitProbeTests(TrafficLimitProbeTests.Host host, ITestOutputHelper output) : IClassFixture<TrafficLimitProbeTests.Host>
{
    public sealed class Host() : AuditHost(AuditYaml.Config(
        [AuditYaml.Trusted, AuditYaml.OpenAi("honest"), AuditYaml.OpenAi("lowcap", "x/lower_max_tokens=5/")],
        [AuditYaml.Model("m-honest", "honest")],
        [AuditYaml.Target("honest"), AuditYaml.Target("lowcap")],
        "concurrency: 4"), new EmulatorOptions { RequiredApiKey = CandorTestHost.UpstreamSecret })
    {
    }

    [Fact]
    public async Task ProbesSendTrafficsLimits_HonestPasses_LoweredLimitFailsTheCapCheck()
    {
        for (var i = 0; i < TrafficLimits.MinObserved; i++)
        {
            host.Limits.Observe(WireProtocol.OpenAI, 20);
        }

        for (var interval = 0; interval < 2; interval++)
        {
            await host.NextIntervalAsync();
        }

        var caps = host.Auditor.RecentVerdicts(ChannelAuditor.HistoryLength).Where(static v => v.Test == "cap").ToList();
        foreach (var v in caps)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{v.ChannelId} round {v.Round}: {v.Decision}, {v.Statistic:0} broken"));
        }

        Assert.Contains(caps, static v => v.ChannelId == "honest");
        Assert.All(caps.Where(static v => v.ChannelId == "honest"), static v => Assert.Equal(AuditDecision.Pass, v.Decision));
        // The lowered limit breaks the cap on most probes whose reference ran to it (suspect); the truncation test
        // quarantines it at the confirmation round.
        Assert.Contains(caps, static v => v.ChannelId == "lowcap" && v.Decision is AuditDecision.Suspect or AuditDecision.Fail && v.Statistic >= 10);
        Assert.True(host.Quarantine.IsQuarantined("lowcap"));
        Assert.False(host.Quarantine.IsQuarantined("honest"));
    }
}
