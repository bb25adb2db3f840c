using Candor.Core.Accounting;
using Candor.Protocols.Canonical;

namespace Candor.UnitTests.Core.Accounting;

public sealed class CostCalculatorTests
{
    private static readonly ModelPrice Gpt4o = ModelPrice.Create(input: 2_500_000, output: 10_000_000, cachedInput: 1_250_000);
    private static readonly ModelPrice Sonnet = ModelPrice.Create(input: 3_000_000, output: 15_000_000, cachedInput: 300_000, cacheWrite: 3_750_000);

    [Fact]
    public void PlainUsage_IsTokensTimesPricePerMillion()
    {
        var charge = CostCalculator.Compute(new Usage { InputTokens = 1000, OutputTokens = 200 }, Gpt4o, PriceMultiplier.One);
        Assert.Equal(2_500 + 2_000, charge.TotalMicros);
        Assert.Equal(2, charge.Lines.Count);
        Assert.Equal(new ChargeLine(ChargeKind.UncachedInput, 1000, 2_500_000, 2_500_000_000), charge.Lines[0]);
        Assert.Equal("uncached_input 1000 @ 2.5/M + output 200 @ 10/M x 1x = 4500 micros", charge.Explain());
    }

    [Fact]
    public void CachedTokens_AreCarvedOutOfInputAndBilledAtTheCachedPrice()
    {
        // 10,000 prompt tokens of which 8,000 cached: 2,000 × 2.50 + 8,000 × 1.25 = 5,000 + 10,000 micros.
        var charge = CostCalculator.Compute(new Usage { InputTokens = 10_000, CachedInputTokens = 8_000, OutputTokens = 0 }, Gpt4o, PriceMultiplier.One);
        Assert.Equal(15_000, charge.TotalMicros);
        Assert.Equal([ChargeKind.UncachedInput, ChargeKind.CachedInput], charge.Lines.Select(l => l.Kind));
    }

    [Fact]
    public void CacheWriteAndReadTogether_EachAtItsOwnPrice()
    {
        // Anthropic: 100 uncached + 2,000 read + 1,000 written, 500 output.
        var usage = new Usage { InputTokens = 3_100, CachedInputTokens = 2_000, CacheWriteInputTokens = 1_000, OutputTokens = 500 };
        var charge = CostCalculator.Compute(usage, Sonnet, PriceMultiplier.One);
        Assert.Equal(300 + 600 + 3_750 + 7_500, charge.TotalMicros);
        Assert.Equal(4, charge.Lines.Count);
    }

    [Fact]
    public void ReasoningTokens_AreCarvedOutOfOutput_AndDefaultToTheOutputPrice()
    {
        var usage = new Usage { InputTokens = 0, OutputTokens = 1_000, ReasoningTokens = 800 };
        var samePrice = CostCalculator.Compute(usage, Gpt4o, PriceMultiplier.One);
        Assert.Equal(10_000, samePrice.TotalMicros);
        Assert.Equal([(ChargeKind.Output, 200L), (ChargeKind.Reasoning, 800L)], samePrice.Lines.Select(l => (l.Kind, l.Quantity)));

        var dearerThinking = ModelPrice.Create(input: 0, output: 10_000_000, reasoning: 20_000_000);
        Assert.Equal(2_000 + 16_000, CostCalculator.Compute(usage, dearerThinking, PriceMultiplier.One).TotalMicros);
    }

    [Fact]
    public void InconsistentFigures_AreClampedNeverBilledTwice()
    {
        var usage = new Usage { InputTokens = 100, CachedInputTokens = 150, CacheWriteInputTokens = 50, OutputTokens = 10, ReasoningTokens = 40 };
        var charge = CostCalculator.Compute(usage, Sonnet, PriceMultiplier.One);
        Assert.Equal(100, charge.Lines.Where(l => l.Kind is ChargeKind.UncachedInput or ChargeKind.CachedInput or ChargeKind.CacheWrite).Sum(l => l.Quantity));
        Assert.Equal(10, charge.Lines.Where(l => l.Kind is ChargeKind.Output or ChargeKind.Reasoning).Sum(l => l.Quantity));
    }

    [Fact]
    public void AbsentFigures_CountAsZero_AndPerRequestFeeStillApplies()
    {
        var price = ModelPrice.Create(input: 1_000_000, output: 1_000_000, perRequest: 2_000);
        var charge = CostCalculator.Compute(new Usage(), price, PriceMultiplier.One);
        Assert.Equal(2_000, charge.TotalMicros);
        Assert.Equal(ChargeKind.PerRequest, Assert.Single(charge.Lines).Kind);
    }

    [Theory]
    // 1 token at 0.5 micro-per-token price (500,000 micros/M) = exactly 0.5 micro → rounds half up to 1.
    [InlineData(1, 500_000, 1)]
    // 1 token at 499,999 micros/M = 0.499999 micro → 0.
    [InlineData(1, 499_999, 0)]
    // 3 tokens at 500,000 = 1.5 → 2.
    [InlineData(3, 500_000, 2)]
    // 5 tokens at 100,000 = 0.5 → 1; rounding is once on the total, not per line.
    [InlineData(5, 100_000, 1)]
    [InlineData(0, 500_000, 0)]
    public void Rounding_IsHalfUpOnceAtTheEnd(int tokens, long pricePerMillion, long expected)
    {
        var price = ModelPrice.Create(input: pricePerMillion, output: pricePerMillion);
        Assert.Equal(expected, CostCalculator.Compute(new Usage { InputTokens = tokens }, price, PriceMultiplier.One).TotalMicros);
    }

    [Fact]
    public void TwoHalfMicroLines_SumBeforeRounding()
    {
        // 1 input token at 0.5 micro and 1 output token at 0.5 micro: exact total 1 micro. Rounding per line
        // would give 2.
        var price = ModelPrice.Create(input: 500_000, output: 500_000);
        Assert.Equal(1, CostCalculator.Compute(new Usage { InputTokens = 1, OutputTokens = 1 }, price, PriceMultiplier.One).TotalMicros);
    }

    [Theory]
    [InlineData("0.8", 3_600)]
    [InlineData("1.5", 6_750)]
    [InlineData("0", 0)]
    [InlineData("0.333333", 1_500)] // 4,500 × 0.333333 = 1,499.9985 → 1,500
    [InlineData("0.000001", 0)]     // 0.0045 micro → 0
    public void GroupMultiplier_IsExact(string multiplier, long expected)
    {
        var charge = CostCalculator.Compute(new Usage { InputTokens = 1000, OutputTokens = 200 }, Gpt4o, PriceMultiplier.Parse(multiplier));
        Assert.Equal(expected, charge.TotalMicros);
    }

    [Fact]
    public void MultiplierHalfBoundary_RoundsUp()
    {
        // 1 micro exactly × 0.5 = 0.5 micro → 1; × 0.499999 → 0.
        var price = ModelPrice.Create(input: 1_000_000, output: 0);
        var usage = new Usage { InputTokens = 1 };
        Assert.Equal(1, CostCalculator.Compute(usage, price, PriceMultiplier.Parse("0.5")).TotalMicros);
        Assert.Equal(0, CostCalculator.Compute(usage, price, PriceMultiplier.Parse("0.499999")).TotalMicros);
    }

    [Fact]
    public void LargestFigures_DoNotOverflow()
    {
        var price = ModelPrice.Create(input: ModelPrice.MaxMicros, output: ModelPrice.MaxMicros, perRequest: ModelPrice.MaxMicros);
        var usage = new Usage { InputTokens = int.MaxValue, OutputTokens = int.MaxValue };
        var charge = CostCalculator.Compute(usage, price, new PriceMultiplier(PriceMultiplier.MaxPartsPerMillion));
        // (2 × (2^31 − 1) × 10^12 + 10^12 × 10^6) micro-micros / 10^6 × 1000 = about 4.3 × 10^18 micros.
        long expected = (2L * int.MaxValue * 1_000_000_000) + 1_000_000_000_000_000;
        Assert.Equal(expected, charge.TotalMicros);
    }

    [Fact]
    public void BillionTokenBatch_IsExact()
    {
        // 1,234,567,891 tokens at 0.075 per million = 92,592,591.825 micros → 92,592,592.
        var price = ModelPrice.Create(input: 75_000, output: 0);
        Assert.Equal(92_592_592, CostCalculator.Compute(new Usage { InputTokens = 1_234_567_891 }, price, PriceMultiplier.One).TotalMicros);
    }

    [Fact]
    public void NegativeTokens_AreABug()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CostCalculator.Compute(new Usage { InputTokens = -1 }, Gpt4o, PriceMultiplier.One));
    }

    [Fact]
    public void Reservation_IsTheWorstCaseRoundedUp()
    {
        // 1,000 prompt at max(3.00, 3.75 write) + 4,096 output at 15.00 = 3,750 + 61,440.
        Assert.Equal(65_190, CostCalculator.EstimateReservation(1_000, 4_096, Sonnet, PriceMultiplier.One));
        // 1 token at 0.1 micro rounds up to 1.
        Assert.Equal(1, CostCalculator.EstimateReservation(1, 0, ModelPrice.Create(input: 100_000, output: 0), PriceMultiplier.One));
        var thinking = ModelPrice.Create(input: 1_000_000, output: 2_000_000, reasoning: 5_000_000, perRequest: 7);
        Assert.Equal(1 + 5 + 7, CostCalculator.EstimateReservation(1, 1, thinking, PriceMultiplier.One));
    }

    [Fact]
    public void Reservation_CoversEverySettlementOfTheSameCounts()
    {
        var random = new Random(11);
        for (int i = 0; i < 2_000; i++)
        {
            var price = ModelPrice.Create(random.Next(0, 20_000_000), random.Next(0, 80_000_000), random.Next(0, 20_000_000), random.Next(0, 30_000_000), random.Next(0, 90_000_000), random.Next(0, 1000));
            var multiplier = new PriceMultiplier(random.Next(0, 3_000_000));
            int prompt = random.Next(0, 200_000), maxOut = random.Next(0, 64_000);
            int cached = random.Next(0, prompt + 1), write = random.Next(0, prompt - cached + 1), output = random.Next(0, maxOut + 1);
            var usage = new Usage { InputTokens = prompt, CachedInputTokens = cached, CacheWriteInputTokens = write, OutputTokens = output, ReasoningTokens = random.Next(0, output + 1) };
            Assert.True(CostCalculator.Compute(usage, price, multiplier).TotalMicros <= CostCalculator.EstimateReservation(prompt, maxOut, price, multiplier));
        }
    }

    [Fact]
    public void Explain_ListsEveryLineAndTheMultiplier()
    {
        var price = ModelPrice.Create(input: 3_000_000, output: 15_000_000, cachedInput: 300_000, cacheWrite: 3_750_000, reasoning: 15_000_000, perRequest: 500);
        var usage = new Usage { InputTokens = 3_100, CachedInputTokens = 2_000, CacheWriteInputTokens = 1_000, OutputTokens = 500, ReasoningTokens = 100 };
        var charge = CostCalculator.Compute(usage, price, PriceMultiplier.Parse("0.8"));
        Assert.Equal(
            "uncached_input 100 @ 3/M + cached_input 2000 @ 0.3/M + cache_write 1000 @ 3.75/M + output 400 @ 15/M + reasoning 100 @ 15/M + per_request 1 @ 0.0005/request x 0.8x = 10120 micros",
            charge.Explain());
        Assert.Equal(charge.Lines.Aggregate(Int128.Zero, (sum, l) => sum + l.ExactMicroMicros), charge.SubtotalMicroMicros);
    }
}
