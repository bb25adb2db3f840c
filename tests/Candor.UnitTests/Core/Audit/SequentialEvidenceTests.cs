using System.Globalization;
using Candor.Core.Audit;
using Xunit.Abstractions;

namespace Candor.UnitTests.Core.Audit;

/// <summary>The accumulated evidence (<see cref="SequentialEvidence"/>) in a seeded simulation shaped like the emulator's
/// models: a vocabulary with Zipf weights, the cheaper sibling's weights tilted by exp(0.6·u), answers of 12–40 words,
/// 50 probe pairs a round (the default). Honest channels must almost never reach 1/a; a 20 % mix must.</summary>
public sealed class SequentialEvidenceTests(ITestOutputHelper output)
{
    private const int Vocabulary = 400;
    private const int PairsPerRound = 50;
    private const double Alpha = 0.01 / 3; // one test's level at the default audit.alpha

    private static readonly double[] Claimed = Weights(tilt: 0, seed: 0);
    private static readonly double[] Cheaper = Weights(tilt: 0.6, seed: 7);

    private static double[] Weights(double tilt, int seed)
    {
        var rng = new Random(1234);
        var order = Enumerable.Range(0, Vocabulary).OrderBy(_ => rng.Next()).ToArray();
        var shift = new Random(seed);
        return order.Select(rank => (1.0 / (rank + 1)) * Math.Exp(tilt * ((shift.NextDouble() * 2) - 1))).ToArray();
    }

    private static ProbeAnswer Answer(Random rng, double[] weights, int stratum)
    {
        var words = rng.Next(12, 41);
        var total = weights.Sum();
        var text = new string[words];
        for (var i = 0; i < words; i++)
        {
            var x = rng.NextDouble() * total;
            var w = 0;
            while (w < weights.Length - 1 && (x -= weights[w]) >= 0)
            {
                w++;
            }

            text[i] = "w" + w.ToString(CultureInfo.InvariantCulture);
        }

        return new ProbeAnswer(stratum, string.Join(' ', text), words, words, "gpt-4o", false);
    }

    private static List<(ProbeAnswer, ProbeAnswer)> Round(Random rng, double mixRate)
    {
        var pairs = new List<(ProbeAnswer, ProbeAnswer)>(PairsPerRound);
        for (var s = 0; s < PairsPerRound; s++)
        {
            var served = rng.NextDouble() < mixRate ? Cheaper : Claimed;
            pairs.Add((Answer(rng, served, s), Answer(rng, Claimed, s)));
        }

        return pairs;
    }

    /// <summary>Rounds until the model evidence reaches 1/alpha, or null within <paramref name="maxRounds"/>.</summary>
    private static int? RoundsToDetect(Random rng, double mixRate, int maxRounds)
    {
        var evidence = new SequentialEvidence();
        for (var round = 1; round <= maxRounds; round++)
        {
            evidence.Add(Round(rng, mixRate));
            if (evidence.EValue("model") >= 1 / Alpha || evidence.EValue("truncation") >= 1 / Alpha || evidence.EValue("usage") >= 1 / Alpha)
            {
                return round;
            }
        }

        return null;
    }

    [Fact]
    public void HonestChannels_Seeded_AlmostNeverReachTheBound()
    {
        // 200 honest channels × 100 rounds × 50 pairs: 20,000 channel-rounds, a million pairs.
        var rng = new Random(20261206);
        var channels = 200;
        var falseAlarms = 0;
        var maxE = 0.0;
        for (var c = 0; c < channels; c++)
        {
            var evidence = new SequentialEvidence();
            var alarmed = false;
            for (var round = 0; round < 100; round++)
            {
                evidence.Add(Round(rng, 0));
                var e = Math.Max(evidence.EValue("model"), Math.Max(evidence.EValue("truncation"), evidence.EValue("usage")));
                maxE = Math.Max(maxE, e);
                alarmed |= e >= 1 / Alpha;
            }

            falseAlarms += alarmed ? 1 : 0;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"honest: {falseAlarms} of {channels} channels ever reached 1/alpha = {1 / Alpha:0} over 100 rounds (bound: 3 tests × {Alpha:P2} = 1%); largest e-value {maxE:G3}"));

        // Ville: P(ever ≥ 1/a) ≤ a per test, so ≤ 1% per channel over three tests: 2 expected of 200 at most.
        Assert.True(falseAlarms <= 6, $"{falseAlarms} honest channels reached the bound");
    }

    /// <summary>Measured (seeds as below, 20 channels each): full substitution 2–3 rounds; a 50 % mix 4–14 rounds; a 20 % mix
    /// median 30 rounds, 17 of 20 within 60 (1,500 and 3,000 probe pairs).</summary>
    [Theory]
    [InlineData(1.0, 3, 20)]
    [InlineData(0.5, 16, 20)]
    [InlineData(0.2, 60, 16)]
    public void MixedChannel_Seeded_IsCaughtByAccumulation(double mixRate, int statedRounds, int mustDetect)
    {
        var rng = new Random(42 + (int)(mixRate * 100));
        var rounds = Enumerable.Range(0, 20).Select(_ => RoundsToDetect(rng, mixRate, 60)).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mix {mixRate:P0}: rounds to detect over 20 channels: {string.Join(", ", rounds.Select(r => r?.ToString(CultureInfo.InvariantCulture) ?? "-"))}"));
        Assert.True(rounds.Count(r => r is not null && r <= statedRounds) >= mustDetect, "too few channels detected within the stated rounds");
    }

    [Fact]
    public void NoPairs_NoEvidence()
    {
        var evidence = new SequentialEvidence();
        evidence.Add([]);
        Assert.Equal(1, evidence.EValue("model"));
        Assert.Equal(0, evidence.Rounds);
    }

    [Fact]
    public void ShorterChannelAnswers_RaiseTruncationEvidence_InflatedUsage_RaisesUsageEvidence()
    {
        var evidence = new SequentialEvidence();
        var pairs = Enumerable.Range(0, 50).Select(s => (
            new ProbeAnswer(s, "a b c", 3, 6, "m", true),
            new ProbeAnswer(s, "a b c d e f g h", 8, 8, "m", false))).ToList();
        evidence.Add(pairs);
        Assert.True(evidence.EValue("truncation") >= 1 / Alpha);
        Assert.True(evidence.EValue("usage") >= 1 / Alpha);
    }
}
