using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Xunit.Abstractions;

namespace Candor.FunctionalTests.Audit;

/// <summary>The cheat that spared the old cap probes by their small limit (8–32 max tokens) finds none now: probes send
/// limits as traffic does.</summary>
public sealed class LimitCheatTests(LimitCheatTests.Host host, ITestOutputHelper output) : IClassFixture<LimitCheatTests.Host>
{
    private static long _seen;
    private static long _spared;

    public sealed class Host() : AuditHost(AuditYaml.Config(
        [AuditYaml.Trusted, AuditYaml.OpenAi("bylimit", "x/mix_model=cheaper;mix_rate=0.2;spare_known/")],
        [AuditYaml.Model("m-bylimit", "bylimit")],
        [AuditYaml.Target("bylimit")],
        "concurrency: 4"), new EmulatorOptions { RequiredApiKey = CandorTestHost.UpstreamSecret, Recognises = Recognises })
    {
    }

    private static bool Recognises(KnownRequest request)
    {
        Interlocked.Increment(ref _seen);
        var known = request.MaxTokens is >= 8 and <= 32;
        if (known)
        {
            Interlocked.Increment(ref _spared);
        }

        return known;
    }

    [Fact]
    public async Task CheatRecognisingSmallLimits_FindsNoProbe()
    {
        for (var interval = 0; interval < 3; interval++)
        {
            await host.NextIntervalAsync();
        }

        var (seen, spared) = (Interlocked.Read(ref _seen), Interlocked.Read(ref _spared));
        output.WriteLine($"the cheat saw {seen} probes and recognised {spared} by their limit");
        Assert.True(seen >= 100, $"{seen} seen");
        Assert.Equal(0, spared);
    }
}
