using Candor.Core.Audit;

namespace Candor.UnitTests.Core.Audit;

/// <summary>The evidence survives a restart exactly: exported and imported, it goes on to the same e-values as the
/// evidence that never stopped; a stored state that is not one is refused rather than read as something else.</summary>
public sealed class SequentialEvidenceExportTests
{
    private static List<(ProbeAnswer Channel, ProbeAnswer Reference)> Round(Random rng)
    {
        string Text(int words, int tilt) => string.Join(' ', Enumerable.Range(0, words).Select(_ => "w" + (rng.Next(40) + tilt)));
        return [.. Enumerable.Range(0, 20).Select(s =>
        {
            int a = rng.Next(10, 30), b = rng.Next(10, 30);
            return (new ProbeAnswer(s, Text(a, 100), a, a + rng.Next(0, 4), "gpt-4o", false), new ProbeAnswer(s, Text(b, 0), b, b, "gpt-4o", false));
        })];
    }

    [Fact]
    public void ExportedEvidence_ContinuesExactlyAsTheOriginal()
    {
        var rng = new Random(21);
        var original = new SequentialEvidence();
        for (int i = 0; i < 4; i++)
        {
            original.Add(Round(rng));
        }

        var restored = SequentialEvidence.Import(original.Export());
        Assert.NotNull(restored);
        Assert.Equal(original.Rounds, restored.Rounds);
        Assert.Equal(original.Pairs, restored.Pairs);
        Assert.True(original.EValue("model") > 1, "the tilted answers must have built up evidence");
        for (int i = 0; i < 3; i++)
        {
            var round = Round(rng);
            original.Add(round);
            restored.Add(round);
            foreach (string test in (string[])["model", "truncation", "usage"])
            {
                Assert.Equal(original.EValue(test), restored.EValue(test));
            }
        }

        Assert.Equal(original.Export(), restored.Export());
        Assert.Equal(7, restored.Rounds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AQID")]
    public void SomethingElse_IsNotImported(string stored) => Assert.Null(SequentialEvidence.Import(stored));

    [Fact]
    public void AnotherVersion_IsNotImported()
    {
        byte[] bytes = Convert.FromBase64String(new SequentialEvidence().Export());
        bytes[0] = 2;
        Assert.Null(SequentialEvidence.Import(Convert.ToBase64String(bytes)));
    }
}
