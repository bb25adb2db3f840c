using System.Text;
using System.Text.Json;
using Candor.Core.Audit;
using Candor.Core.Configuration;

namespace Candor.UnitTests.Core.Audit;

public sealed class AuditStatisticsTests
{
    private static readonly string[] Vocabulary = Enumerable.Range(0, 60).Select(static i => "w" + i).ToArray();

    /// <summary>Answers of 25 words drawn from weights w (optionally tilted), 10 strata, n per stratum per group.</summary>
    private static (List<ProbeAnswer> Answers, bool[] IsProbe) Sample(Random rng, int perStratum, double tilt)
    {
        var baseWeights = Vocabulary.Select((_, i) => 1.0 / (i + 1)).ToArray();
        var tilted = baseWeights.Select((w, i) => w * Math.Exp(tilt * (((i * 37) % 11 / 5.0) - 1))).ToArray();
        var answers = new List<ProbeAnswer>();
        var isProbe = new List<bool>();
        for (var s = 0; s < 10; s++)
        {
            for (var k = 0; k < 2 * perStratum; k++)
            {
                var probe = k % 2 == 1;
                var weights = probe ? tilted : baseWeights;
                var words = Enumerable.Range(0, 25).Select(_ => Vocabulary[Draw(rng, weights)]);
                answers.Add(new ProbeAnswer(s, string.Join(' ', words), 25, 25, "m", false));
                isProbe.Add(probe);
            }
        }

        return (answers, isProbe.ToArray());
    }

    private static int Draw(Random rng, double[] weights)
    {
        var x = rng.NextDouble() * weights.Sum();
        for (var i = 0; i < weights.Length; i++)
        {
            x -= weights[i];
            if (x < 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }

    private static double ModelPValue(Random rng, int perStratum, double tilt)
    {
        var (answers, isProbe) = Sample(rng, perStratum, tilt);
        var rows = AnswerFeatures.WordFrequencies(answers);
        var strata = answers.Select(static a => a.Stratum).ToArray();
        return PermutationTest.Run(strata, isProbe, l => AnswerFeatures.Mmd(rows, strata, l, 10), 199, 0.05, rng).PValue;
    }

    [Fact]
    public void ModelTest_UnderTheNull_RejectsAtAboutAlpha()
    {
        var rng = new Random(1);
        var rejections = Enumerable.Range(0, 200).Count(_ => ModelPValue(rng, 3, 0) <= 0.05);
        Assert.InRange(rejections, 2, 22); // 10 expected; binomial(200, 0.05) ± 3.9 sd
    }

    [Fact]
    public void ModelTest_SeesATiltedDistribution()
    {
        var rng = new Random(2);
        var rejections = Enumerable.Range(0, 20).Count(_ => ModelPValue(rng, 5, 0.8) <= 0.05);
        Assert.True(rejections >= 18, $"{rejections} of 20");
    }

    [Fact]
    public void MeanShift_IsSignedChannelMinusReference()
    {
        double[] values = [10, 4, 20, 14];
        int[] strata = [0, 0, 1, 1];
        bool[] isProbe = [false, true, false, true];
        Assert.Equal(-12, AnswerFeatures.MeanShift(values, strata, isProbe, 2));
    }

    [Fact]
    public void PermutationTest_PValueNeverZero_AndLabelsAreRestored()
    {
        int[] strata = [0, 0, 0, 0];
        bool[] isProbe = [false, false, true, true];
        double[] values = [1, 1, 9, 9];
        var result = PermutationTest.Run(strata, isProbe, l => AnswerFeatures.MeanShift(values, strata, l, 1), 99, 0.05, new Random(3));
        Assert.True(result.PValue >= 0.01);
        Assert.Equal([false, false, true, true], isProbe);
    }

    [Fact]
    public void Verdict_CanonicalJson_SortedMembersNoWhitespace()
    {
        var verdict = new AuditVerdict("ch", "gpt-4o", "ref", "model", 16.4912345678, 11.7, 0.001, 0.01 / 3, 50, 50, AuditDecision.Fail, 2,
            new DateTimeOffset(2026, 11, 26, 15, 0, 0, TimeSpan.FromHours(1)));
        var json = Encoding.UTF8.GetString(verdict.ToCanonicalJson());
        Assert.Equal(
            """{"alpha":0.00333333333,"channel":"ch","claimed_model":"gpt-4o","decision":"fail","n_probes":50,"n_reference":50,"p_value":0.001,"reference_channel":"ref","round":2,"statistic":16.4912346,"test":"model","threshold":11.7,"time":"2026-11-26T14:00:00Z","type":"candor.audit.verdict.v1"}""",
            json);
        Assert.Equal(json, Encoding.UTF8.GetString(verdict.ToCanonicalJson()));
        JsonDocument.Parse(json).Dispose();
    }

    [Fact]
    public async Task Quarantine_AddKeepsTheFirstReason_ReleaseLifts()
    {
        var quarantine = new ChannelQuarantine();
        Assert.False(quarantine.Durable);
        Assert.False(quarantine.IsQuarantined("a"));
        Assert.True(await quarantine.AddAsync(new QuarantineEntry("a", "first", "model", DateTimeOffset.UnixEpoch), CancellationToken.None));
        Assert.False(await quarantine.AddAsync(new QuarantineEntry("a", "second", "usage", DateTimeOffset.UnixEpoch), CancellationToken.None));
        Assert.Equal("first", Assert.Single(quarantine.Entries).Reason);
        Assert.True(await quarantine.ReleaseAsync("a", CancellationToken.None));
        Assert.False(quarantine.IsQuarantined("a"));
        Assert.False(await quarantine.ReleaseAsync("a", CancellationToken.None));
    }

    [Fact]
    public async Task Quarantine_WithAStore_SurvivesARestart_AndALiftedOneStaysLifted()
    {
        using var temp = await Candor.UnitTests.Storage.TempStore.CreateAsync();
        var since = new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
        var first = new ChannelQuarantine(temp.Store);
        Assert.True(first.Durable);
        Assert.True(await first.AddAsync(new QuarantineEntry("a", "model: MMD 0.4 > 0.2", "model", since), CancellationToken.None));
        Assert.True(await first.AddAsync(new QuarantineEntry("b", "usage: +20%", "usage", since.AddMinutes(1)), CancellationToken.None));
        Assert.False(await first.AddAsync(new QuarantineEntry("a", "other", "usage", since), CancellationToken.None));

        await temp.ReopenAsync();
        var second = new ChannelQuarantine(temp.Store);
        Assert.False(second.IsQuarantined("a"));
        await second.LoadAsync(CancellationToken.None);
        Assert.Equal(
            [new QuarantineEntry("a", "model: MMD 0.4 > 0.2", "model", since), new QuarantineEntry("b", "usage: +20%", "usage", since.AddMinutes(1))],
            second.Entries);
        Assert.True(await second.ReleaseAsync("a", CancellationToken.None));

        await temp.ReopenAsync();
        var third = new ChannelQuarantine(temp.Store);
        await third.LoadAsync(CancellationToken.None);
        Assert.False(third.IsQuarantined("a"));
        Assert.True(third.IsQuarantined("b"));
    }

    private const string Config = """
        channels:
          - { id: a, provider: openai, base_url: "https://x/v1", api_key_env: K }
          - { id: b, provider: openai, base_url: "https://y/v1", api_key_env: K }
        models:
          - { name: m, deployments: [{ channel: a, model: gpt-4o }] }
        keys:
          - { name: k, key_env: C }
        """;

    private static CandorConfig Load(string audit) =>
        new ConfigLoader(new HashSet<string> { "openai" }, n => n == "K" ? "sk-up" : "sk-client-0123456789abcdef").Load(Config + "\n" + audit, "t.yaml");

    [Fact]
    public void Config_AuditSection_IsReadWithDefaults()
    {
        Assert.False(Load("").Audit.Enabled);
        var audit = Load("""
            audit:
              enabled: true
              interval: 2h
              targets:
                - { channel: a, model: gpt-4o, reference_channel: b, repeats: 20 }
            """).Audit;
        Assert.True(audit.Enabled);
        Assert.Equal(TimeSpan.FromHours(2), audit.Interval);
        Assert.Equal(0.01, audit.Alpha);
        var target = Assert.Single(audit.Targets);
        Assert.Equal(("a", "gpt-4o", "b", "gpt-4o", 20), (target.ChannelId, target.Model, target.ReferenceChannelId, target.ReferenceModel, target.Repeats!.Value));
    }

    [Theory]
    [InlineData("audit:\n  enabled: true\n", "audit.targets: audits are enabled but no targets")]
    [InlineData("audit:\n  targets:\n    - { channel: a, model: m, reference_channel: a }\n", "the reference channel must be another")]
    [InlineData("audit:\n  targets:\n    - { channel: a, model: m, reference_channel: zz }\n", "names unknown channel 'zz'")]
    [InlineData("audit:\n  alpha: 0.001\n  permutations: 999\n", "audit.permutations: too few permutations")]
    [InlineData("audit:\n  alpha: 2\n", "audit.alpha: expected a number")]
    public void Config_InvalidAudit_IsRefusedWithThePlace(string audit, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => Load(audit));
        Assert.Contains(expected, e.Message);
    }
}
