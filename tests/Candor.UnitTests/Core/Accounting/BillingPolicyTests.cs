using Candor.Core.Accounting;
using Candor.Protocols.Canonical;

namespace Candor.UnitTests.Core.Accounting;

/// <summary>The worked examples of docs/billing.md, one test each, plus edge cases.</summary>
public sealed class BillingPolicyTests
{
    private static readonly ModelPrice Gpt4o = ModelPrice.Create(input: 2_500_000, output: 10_000_000, cachedInput: 1_250_000);
    private static readonly ModelPrice Sonnet = ModelPrice.Create(input: 3_000_000, output: 15_000_000, cachedInput: 300_000, cacheWrite: 3_750_000);
    private static readonly ModelPrice O4Mini = ModelPrice.Create(input: 1_100_000, output: 4_400_000);

    private static long Charge(BillingDecision d, ModelPrice price, string multiplier = "1") =>
        CostCalculator.Compute(d.Billed, price, PriceMultiplier.Parse(multiplier)).TotalMicros;

    [Fact]
    public void Example1_UsagePresentWithCache_BillsTheReport()
    {
        var reported = new Usage { InputTokens = 10_000, CachedInputTokens = 8_000, OutputTokens = 500 };
        var d = BillingPolicy.Decide(reported, 9_950, 498, StreamOutcome.Completed, MeteringTolerance.Exact);
        Assert.Equal(BillingBasis.Completed, d.Basis);
        Assert.Equal((FigureSource.Upstream, FigureSource.Upstream), (d.InputSource, d.OutputSource));
        Assert.Equal((10_000, 8_000, 500), (d.Billed.InputTokens, d.Billed.CachedInputTokens, d.Billed.OutputTokens));
        Assert.Equal(20_000, Charge(d, Gpt4o));
        Assert.Equal(50, d.InputDiscrepancy!.Difference);
        Assert.Equal(2, d.OutputDiscrepancy!.Difference);
        Assert.False(d.ExceedsTolerance);
    }

    [Fact]
    public void Example2_UsageAbsent_BillsOwnCounts()
    {
        var d = BillingPolicy.Decide(null, 1_200, 300, StreamOutcome.Completed, MeteringTolerance.Exact);
        Assert.Equal((FigureSource.Own, FigureSource.Own), (d.InputSource, d.OutputSource));
        Assert.Equal(6_000, Charge(d, Gpt4o));
        Assert.Null(d.InputDiscrepancy);
        Assert.Null(d.OutputDiscrepancy);
    }

    [Fact]
    public void Example3_ClientDisconnect_BillsReportedPromptAndDeliveredOutput()
    {
        var reported = new Usage { InputTokens = 3_100, CachedInputTokens = 2_000, CacheWriteInputTokens = 1_000, OutputTokens = 1 };
        var d = BillingPolicy.Decide(reported, 3_000, 250, StreamOutcome.ClientDisconnected, MeteringTolerance.Estimate);
        Assert.Equal(BillingBasis.EarlyEnd, d.Basis);
        Assert.Equal((FigureSource.Upstream, FigureSource.Own), (d.InputSource, d.OutputSource));
        Assert.Equal(250, d.Billed.OutputTokens);
        Assert.Equal(8_400, Charge(d, Sonnet));
        Assert.Null(d.OutputDiscrepancy);
    }

    [Fact]
    public void Example4_UpstreamCutAfterOutput_BillsWhatWasGenerated()
    {
        var d = BillingPolicy.Decide(null, 1_000, 120, StreamOutcome.UpstreamFailed, MeteringTolerance.Exact);
        Assert.Equal(BillingBasis.EarlyEnd, d.Basis);
        Assert.Equal(3_700, Charge(d, Gpt4o));
    }

    [Fact]
    public void Example5_UpstreamCutBeforeOutput_IsFree()
    {
        var d = BillingPolicy.Decide(new Usage { InputTokens = 900 }, 1_000, 0, StreamOutcome.UpstreamFailed, MeteringTolerance.Exact);
        Assert.True(d.IsFree);
        Assert.Equal(BillingBasis.NothingGenerated, d.Basis);
        Assert.Equal(0, Charge(d, Gpt4o));
        Assert.Equal(-100, d.InputDiscrepancy!.Difference);
    }

    [Fact]
    public void Example6_NotStarted_IsFree()
    {
        var d = BillingPolicy.Decide(null, 1_000, null, StreamOutcome.NotStarted, MeteringTolerance.Exact);
        Assert.True(d.IsFree);
        Assert.Equal((FigureSource.None, FigureSource.None), (d.InputSource, d.OutputSource));
        Assert.Equal(0, Charge(d, Gpt4o));
    }

    [Fact]
    public void Example7_ReasoningTokens_BilledAndExplainedAgainstVisibleOutput()
    {
        var reported = new Usage { InputTokens = 500, OutputTokens = 2_300, ReasoningTokens = 2_000 };
        var d = BillingPolicy.Decide(reported, 480, 290, StreamOutcome.Completed, MeteringTolerance.Exact);
        Assert.Equal(2_000, d.Billed.ReasoningTokens);
        Assert.Equal(10_670, Charge(d, O4Mini));
        Assert.Equal(2_010, d.OutputDiscrepancy!.Difference);
        Assert.Equal(10, d.OutputDiscrepancy.Unexplained);
        Assert.False(d.ExceedsTolerance);
    }

    [Fact]
    public void Example8_ClientLeavesDuringHiddenReasoning_PaysForThePrompt()
    {
        var d = BillingPolicy.Decide(null, 800, 0, StreamOutcome.ClientDisconnected, MeteringTolerance.Exact);
        Assert.False(d.IsFree);
        Assert.Equal(880, Charge(d, O4Mini));
    }

    [Fact]
    public void Example9_GroupMultiplier_AppliesToTheWholeCharge()
    {
        var reported = new Usage { InputTokens = 10_000, CachedInputTokens = 8_000, OutputTokens = 500 };
        var d = BillingPolicy.Decide(reported, 9_950, 498, StreamOutcome.Completed, MeteringTolerance.Exact);
        Assert.Equal(16_000, Charge(d, Gpt4o, "0.8"));
    }

    [Fact]
    public void Example10_InflatedPromptReport_IsBilledButFlagged()
    {
        var d = BillingPolicy.Decide(new Usage { InputTokens = 5_000, OutputTokens = 10 }, 1_000, 10, StreamOutcome.Completed, MeteringTolerance.Exact);
        Assert.Equal(12_600, Charge(d, Gpt4o));
        Assert.Equal(4_000, d.InputDiscrepancy!.Difference);
        Assert.True(d.InputDiscrepancy.ExceedsTolerance);
        Assert.True(d.ExceedsTolerance);
    }

    [Fact]
    public void EarlyEnd_LargerReportedOutputWins()
    {
        // The usage event arrived just before the client left: the report covers more than was delivered.
        var d = BillingPolicy.Decide(new Usage { InputTokens = 100, OutputTokens = 400 }, 100, 350, StreamOutcome.ClientDisconnected, MeteringTolerance.Exact);
        Assert.Equal((400, FigureSource.Upstream), (d.Billed.OutputTokens, d.OutputSource));
    }

    [Fact]
    public void Completed_PartialReport_FillsAbsentFieldsFromOwnCounts()
    {
        var d = BillingPolicy.Decide(new Usage { InputTokens = 700 }, 650, 40, StreamOutcome.Completed, MeteringTolerance.Exact);
        Assert.Equal((700, FigureSource.Upstream, 40, FigureSource.Own), (d.Billed.InputTokens, d.InputSource, d.Billed.OutputTokens, d.OutputSource));
    }

    [Fact]
    public void Completed_NoCountsAtAll_BillsZeroTokensWithSourceNone()
    {
        var d = BillingPolicy.Decide(null, null, null, StreamOutcome.Completed, MeteringTolerance.Exact);
        Assert.Equal((FigureSource.None, FigureSource.None), (d.InputSource, d.OutputSource));
        Assert.Equal(0, d.Billed.InputTokens);
        Assert.False(d.IsFree);
    }

    [Fact]
    public void NegativeReportedFigures_AreTreatedAsAbsent()
    {
        var d = BillingPolicy.Decide(new Usage { InputTokens = -5, OutputTokens = -1, CachedInputTokens = -3 }, 100, 20, StreamOutcome.Completed, MeteringTolerance.Exact);
        Assert.Equal((100, FigureSource.Own, 20, FigureSource.Own, 0), (d.Billed.InputTokens, d.InputSource, d.Billed.OutputTokens, d.OutputSource, d.Billed.CachedInputTokens));
    }

    [Fact]
    public void CachedFiguresAboveInput_AreClamped()
    {
        var d = BillingPolicy.Decide(new Usage { InputTokens = 100, CachedInputTokens = 80, CacheWriteInputTokens = 50, OutputTokens = 5, ReasoningTokens = 9 }, null, null, StreamOutcome.Completed, MeteringTolerance.Exact);
        Assert.Equal((80, 20, 5), (d.Billed.CachedInputTokens, d.Billed.CacheWriteInputTokens, d.Billed.ReasoningTokens));
    }

    [Theory]
    [InlineData(0, 0, 100, 99, true)]
    [InlineData(0, 0, 100, 100, false)]
    [InlineData(0, 0, 101, 100, true)]
    [InlineData(10, 5, 1_000, 1_105, false)] // 105 ≤ 5 + 100
    [InlineData(10, 5, 1_000, 1_106, true)]
    [InlineData(10, 5, 1_000, 894, true)]    // −106
    public void Tolerance_IsAbsolutePlusPercentOfOwn(int percent, int absolute, int own, int reported, bool exceeded)
    {
        var d = BillingPolicy.Decide(new Usage { InputTokens = reported }, own, null, StreamOutcome.Completed, new MeteringTolerance(percent, absolute));
        Assert.Equal(exceeded, d.InputDiscrepancy!.ExceedsTolerance);
    }
}
