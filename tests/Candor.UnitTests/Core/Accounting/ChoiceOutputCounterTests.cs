using Candor.Core.Accounting;

namespace Candor.UnitTests.Core.Accounting;

public sealed class ChoiceOutputCounterTests
{
    private static readonly TokenCounter Counter = new();

    [Fact]
    public void InterleavedChoices_CountAsIfEachWereAlone()
    {
        // Deltas of four choices arrive interleaved, split inside words: each choice is counted on its own, so
        // the sum equals the four whole texts counted apart (one shared tail would merge words across choices).
        string[] texts = ["Hello wonderful world, don't stop", "12345 678 9.5 and more", "naïve café résumé", "CamelCaseWord HTTPServer"];
        var counter = Counter.CreateChoiceCounter("gpt-4o");
        var random = new Random(7);
        var offsets = new int[texts.Length];
        while (offsets.Where((o, i) => o < texts[i].Length).Any())
        {
            int choice = random.Next(texts.Length);
            int take = Math.Min(random.Next(1, 4), texts[choice].Length - offsets[choice]);
            counter.Append(choice, texts[choice].Substring(offsets[choice], take));
            offsets[choice] += take;
        }

        long expected = texts.Sum(t => (long)Counter.Count("gpt-4o", t));
        Assert.Equal(expected, counter.Count);
        Assert.Equal(texts.Sum(t => (long)t.Length), counter.Characters);
    }

    [Fact]
    public void HostileChoiceIndexes_ShareOneCounter_AndAreStillCounted()
    {
        var counter = Counter.CreateChoiceCounter("gpt-4o");
        counter.Append(0, "alpha");
        counter.Append(int.MaxValue, " beta");
        counter.Append(-5, " gamma");
        counter.Append(1_000_000, " delta");
        counter.Append(3, null);
        Assert.Equal(Counter.Count("gpt-4o", "alpha") + Counter.Count("gpt-4o", " beta gamma delta"), counter.Count);
    }
}
