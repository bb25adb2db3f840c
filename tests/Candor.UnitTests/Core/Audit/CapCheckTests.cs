using Candor.Core.Audit;

namespace Candor.UnitTests.Core.Audit;

/// <summary>The cap check on traffic-sized limits: where the reference ran to a probe's limit the channel must reach
/// it too, and no channel answer reports more output than its limit; probes without a limit, or whose reference ended
/// by itself, check nothing.</summary>
public sealed class CapCheckTests
{
    private static readonly Probe[] Probes =
    [
        new("cap", "Write a detailed guide to brewing tea.", 256),
        new("private", "what's a good name for a cat", 1000),
        new("private", "how do tides work", null),
    ];

    private static ProbeAnswer Answer(int stratum, int own, int? reported, bool hitLimit) => new(stratum, "text", own, reported, "gpt-4o", hitLimit);

    [Fact]
    public void HonestPairs_NothingFound()
    {
        var result = CapCheck.Run(Probes,
        [
            (Answer(0, 250, 256, true), Answer(0, 252, 256, true)),
            (Answer(1, 40, 41, false), Answer(1, 35, 36, false)),
            (Answer(2, 900, 910, false), Answer(2, 20, 21, false)),
        ]);
        Assert.Equal(new CapCheck.Result(1, 0, 0), result);
    }

    [Fact]
    public void ChannelStoppingFarShortOfTheReachedLimit_IsEarly_WhateverItsFinishReason()
    {
        Assert.Equal(new CapCheck.Result(1, 0, 1), CapCheck.Run(Probes, [(Answer(0, 20, 20, false), Answer(0, 252, 256, true))]));
        Assert.Equal(new CapCheck.Result(1, 0, 1), CapCheck.Run(Probes, [(Answer(0, 20, 20, true), Answer(0, 252, 256, true))]));
        // Not early: the reference did not reach its limit, so the channel's shorter answer is the truncation test's matter.
        Assert.Equal(new CapCheck.Result(0, 0, 0), CapCheck.Run(Probes, [(Answer(1, 20, 20, false), Answer(1, 252, 256, false))]));
    }

    [Fact]
    public void OutputReportedBeyondTheLimit_IsOver_UnlessTheReferenceDoesTheSame()
    {
        Assert.Equal(new CapCheck.Result(1, 1, 0), CapCheck.Run(Probes, [(Answer(0, 400, 412, false), Answer(0, 252, 256, true))]));
        // The vendor's own accounting (e.g. reasoning tokens beyond the visible limit) shows on the reference too.
        Assert.Equal(new CapCheck.Result(1, 0, 0), CapCheck.Run(Probes, [(Answer(0, 250, 300, true), Answer(0, 252, 290, true))]));
        // No limit sent, nothing to exceed.
        Assert.Equal(new CapCheck.Result(0, 0, 0), CapCheck.Run(Probes, [(Answer(2, 5000, 5000, false), Answer(2, 50, 50, false))]));
    }
}
