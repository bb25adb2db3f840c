using System.Globalization;
using Candor.Core.Audit;
using Candor.Protocols.Canonical;
using Xunit.Abstractions;

namespace Candor.UnitTests.Core.Audit;

/// <summary>Probes send max-tokens limits as client traffic does: the documented default until a surface has enough
/// traffic, then that surface's own counts; a limit is counted in the round number at or below it.</summary>
public sealed class TrafficLimitsTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);

    private static ProbeSecret Secret(byte fill) => new(Enumerable.Repeat(fill, ProbeSecret.Length).ToArray());

    [Fact]
    public void Default_FollowsItsDocumentedWeights()
    {
        Assert.Equal(100, TrafficLimits.Default.Sum(static d => d.Percent));
        var draws = Enumerable.Range(0, 10_000).Select(static i => TrafficLimits.PickDefault((i + 0.5) / 10_000)).ToList();
        Assert.Equal(5_000, draws.Count(static d => d is null));
        Assert.Equal(800, draws.Count(static d => d == 4096));
        Assert.All(draws, static d => Assert.True(d is null or >= 256));
    }

    [Fact]
    public void FewRequests_DefaultStill_EnoughRequests_TheirOwnLimits_PerSurface()
    {
        var limits = new TrafficLimits();
        for (var i = 0; i < TrafficLimits.MinObserved - 1; i++)
        {
            limits.Observe(WireProtocol.Anthropic, 20);
        }

        Assert.Equal(TrafficLimits.PickDefault(0.99), limits.Pick(WireProtocol.Anthropic, 0.99));
        limits.Observe(WireProtocol.Anthropic, 20);
        Assert.Equal(TrafficLimits.MinObserved, limits.Observed(WireProtocol.Anthropic));
        Assert.All(Enumerable.Range(0, 100), i => Assert.Equal(20, limits.Pick(WireProtocol.Anthropic, i / 100.0)));
        // Another surface's traffic is its own.
        Assert.Null(limits.Pick(WireProtocol.OpenAI, 0.1));
    }

    [Theory]
    [InlineData(700, 600)]
    [InlineData(1024, 1024)]
    [InlineData(3, 1)]
    [InlineData(0, 1)]
    [InlineData(1_000_000, 64000)]
    public void Limit_CountedInTheRoundNumberAtOrBelowIt(int sent, int counted)
    {
        var limits = new TrafficLimits();
        for (var i = 0; i < TrafficLimits.MinObserved; i++)
        {
            limits.Observe(WireProtocol.OpenAI, sent);
        }

        Assert.Equal(counted, limits.Pick(WireProtocol.OpenAI, 0.5));
    }

    [Fact]
    public void MixedTraffic_ProbesDrawItsShares()
    {
        var limits = new TrafficLimits();
        for (var i = 0; i < 2_000; i++)
        {
            limits.Observe(WireProtocol.OpenAI, (i % 4) switch { 0 => null, 1 => 16, 2 => 300, _ => 4096 });
        }

        var probes = Enumerable.Range(1, 100).SelectMany(r => new ProbeGenerator(Secret(3), limits: limits).Round("t\nm", Start.AddMinutes(r), r, 50)).ToList();
        double Share(int? limit) => probes.Count(p => p.MaxTokens == limit) / (double)probes.Count;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"none {Share(null):P1} 16 {Share(16):P1} 300 {Share(300):P1} 4096 {Share(4096):P1}"));
        Assert.All(new int?[] { null, 16, 300, 4096 }, l => Assert.InRange(Share(l), 0.22, 0.28));
        Assert.Equal(probes.Count, probes.Count(static p => p.MaxTokens is null or 16 or 300 or 4096));
    }

    [Fact]
    public void Generator_WithoutObservedTraffic_SendsNoSmallLimit()
    {
        // The old cap probes' 8–32 gave 15 % of probes away to an upstream that looked at max_tokens alone.
        var probes = Enumerable.Range(1, 100).SelectMany(r => new ProbeGenerator(Secret(4)).Round("t\nm", Start.AddMinutes(r), r, 50)).ToList();
        Assert.DoesNotContain(probes, static p => p.MaxTokens is < 256);
        Assert.InRange(probes.Count(static p => p.IsCap) / (double)probes.Count, 0.10, 0.20);
        Assert.InRange(probes.Count(static p => p.MaxTokens is not null) / (double)probes.Count, 0.45, 0.55);
    }
}
