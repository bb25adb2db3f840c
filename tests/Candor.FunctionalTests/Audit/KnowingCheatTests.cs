using System.Globalization;
using Candor.Core.Audit;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Xunit.Abstractions;

namespace Candor.FunctionalTests.Audit;

/// <summary>An upstream that knows Candor's public source (emulator <c>spare_known</c> with <see cref="PublicGrammar"/>):
/// it answers honestly every request the public grammar could have made — prompt, system message, tool, or a cap
/// probe's limit — and serves a cheaper model for 20 % of the rest. The probes carry prompts the trusted reference wrote
/// into the private bank, which it cannot recognise, so evidence accumulated over rounds quarantines it within the
/// same stated bound as the cheat that only remembers what it saw (<see cref="SneakyChannelTests"/>).</summary>
public sealed class KnowingCheatTests(KnowingCheatTests.Host host, ITestOutputHelper output) : IClassFixture<KnowingCheatTests.Host>
{
    public sealed class Host() : AuditHost(AuditYaml.Config(
        [AuditYaml.Trusted, AuditYaml.OpenAi("knowing", "x/mix_model=cheaper;mix_rate=0.2;spare_known/")],
        [AuditYaml.Model("m-knowing", "knowing")],
        [AuditYaml.Target("knowing")],
        "concurrency: 4"), new EmulatorOptions { RequiredApiKey = CandorTestHost.UpstreamSecret, Recognises = Knowledge.Recognises })
    {
    }

    /// <summary>The cheat's knowledge, counting what it was asked and what it recognised.</summary>
    private static class Knowledge
    {
        private static long _seen;
        private static long _spared;

        public static (long Seen, long Spared) Counts => (Interlocked.Read(ref _seen), Interlocked.Read(ref _spared));

        public static bool Recognises(KnownRequest request)
        {
            Interlocked.Increment(ref _seen);
            var known = PublicGrammar.Recognises(request);
            if (known)
            {
                Interlocked.Increment(ref _spared);
            }

            return known;
        }
    }

    [Fact]
    public async Task CheatKnowingThePublicGrammar_TwentyPercentMix_IsQuarantinedWithinTheStatedIntervals()
    {
        int? at = null;
        for (var interval = 1; interval <= SneakyChannelTests.StatedIntervals; interval++)
        {
            await host.NextIntervalAsync();
            if (host.Quarantine.IsQuarantined("knowing"))
            {
                at = interval;
                break;
            }
        }

        var (seen, spared) = Knowledge.Counts;
        var verdicts = host.Auditor.RecentVerdicts(ChannelAuditor.HistoryLength).Where(static v => v.ChannelId == "knowing").ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"knowing quarantined at interval {at?.ToString(CultureInfo.InvariantCulture) ?? "never"}; it recognised {spared} of {seen} probes ({(seen == 0 ? 0 : spared / (double)seen):P1}); {verdicts.Count} verdicts"));
        Assert.NotNull(at);
        Assert.Equal("model", host.Quarantine.Entries.Single(static e => e.ChannelId == "knowing").Test);
        // What it recognised is only the cap probes' small limits (about 15 %), never a prompt.
        Assert.True(seen > 0);
        Assert.InRange(spared / (double)seen, 0, 0.25);
    }
}
