using System.Text;
using Candor.Core.Accounting;

namespace Candor.UnitTests.Core.Accounting;

public sealed class StreamingOutputCounterTests
{
    private static readonly TokenCounter Counter = new();

    private static readonly string[] Fragments =
    [
        "Hello", " world", ",", " ", "  ", "\n", "\n\n", "\r\n", "\t", "don", "'t", "'s", "'LL", "I", "'m",
        "123", "4567", "3.14159", "1,000,000", "  42", "你好", "，", "世界", "。", "こんにちは", "漢字かな交じり文",
        "안녕하세요", "😀", "👍🏽", "👨‍👩‍👧", "🇯🇵", "e\u0301", "naïve", "Ωμέγα", "Привет", "مرحبا", "שלום",
        "CamelCaseWord", "HTTPServer", "snake_case", "path/to/file", "<|endoftext|>", "<|", "|>", "```",
        "{\"a\": [1, 2]}", "    indented", "!!!", "?!", "...", "—", "--", "/", "\\", "\u00a0", "\u3000",
        "e.g.", "U.S.A.", "x", "ÀÉÎ", "ß", "A", "b", "Z9", "#", "@user", "https://example.com/a?b=c",
    ];

    [Theory]
    [InlineData("gpt-4o", 1)]
    [InlineData("gpt-4o", 2)]
    [InlineData("gpt-4o", 3)]
    [InlineData("gpt-4-turbo", 4)]
    [InlineData("gpt-4-turbo", 5)]
    [InlineData("claude-sonnet-4-5", 6)]
    public void RandomTextsRandomSplits_EqualWholeCount(string model, int seed)
    {
        var random = new Random(seed);
        for (int round = 0; round < 40; round++)
        {
            string text = RandomText(random, random.Next(1, 1500));
            int expected = Counter.Count(model, text);
            for (int split = 0; split < 5; split++)
            {
                var streaming = Counter.CreateStreamingCounter(model);
                foreach (string delta in RandomSplit(random, text))
                {
                    streaming.Append(delta);
                }

                Assert.Equal(expected, streaming.Count);
                Assert.Equal(text.Length, streaming.Characters);
            }
        }
    }

    [Theory]
    [InlineData("gpt-4o")]
    [InlineData("gpt-3.5-turbo")]
    public void CharByChar_EqualsWholeCount(string model)
    {
        var random = new Random(42);
        string text = RandomText(random, 4000);
        var streaming = Counter.CreateStreamingCounter(model);
        foreach (char c in text)
        {
            streaming.Append([c]);
        }

        Assert.Equal(Counter.Count(model, text), streaming.Count);
    }

    [Fact]
    public void LongEnglishStream_KeepsOnlyABoundedTail()
    {
        var random = new Random(7);
        var streaming = Counter.CreateStreamingCounter("gpt-4o");
        var whole = new StringBuilder();
        int maxTail = 0;
        for (int i = 0; i < 20_000; i++)
        {
            string delta = i % 3 == 0 ? " the" : i % 3 == 1 ? " quick" : random.Next(2) == 0 ? " fox," : " jumps.\n";
            whole.Append(delta);
            streaming.Append(delta);
            maxTail = Math.Max(maxTail, streaming.TailLength);
        }

        Assert.True(maxTail <= 1024, $"tail grew to {maxTail}");
        Assert.Equal(Counter.Count("gpt-4o", whole.ToString()), streaming.Count);
    }

    [Fact]
    public void LongCjkStreamWithPunctuation_KeepsOnlyABoundedTail()
    {
        var streaming = Counter.CreateStreamingCounter("qwen-max");
        var whole = new StringBuilder();
        int maxTail = 0;
        for (int i = 0; i < 5000; i++)
        {
            string delta = (i % 4) switch { 0 => "我们", 1 => "今天", 2 => "去公园", _ => "。" };
            whole.Append(delta);
            streaming.Append(delta);
            maxTail = Math.Max(maxTail, streaming.TailLength);
        }

        Assert.True(maxTail <= 1024, $"tail grew to {maxTail}");
        Assert.Equal(Counter.Count("qwen-max", whole.ToString()), streaming.Count);
    }

    [Fact]
    public void EmptyAndNullDeltas_CountNothing()
    {
        var streaming = Counter.CreateStreamingCounter("gpt-4o");
        streaming.Append((string?)null);
        streaming.Append("");
        Assert.Equal(0, streaming.Count);
    }

    internal static string RandomText(Random random, int targetLength)
    {
        var sb = new StringBuilder();
        while (sb.Length < targetLength)
        {
            sb.Append(Fragments[random.Next(Fragments.Length)]);
            if (random.Next(3) == 0)
            {
                sb.Append(' ');
            }
        }

        return sb.ToString();
    }

    [Fact]
    public void CountReadBetweenAppends_FollowsEveryAppend()
    {
        // Count is remembered until the next append (settlement, usage record and receipt read it in turn): a read
        // between appends must never hide what came after it, across the tail's cuts too.
        var random = new Random(11);
        string text = RandomText(random, 3000);
        var streaming = Counter.CreateStreamingCounter("gpt-4o");
        var sent = new StringBuilder();
        foreach (string delta in RandomSplit(random, text))
        {
            streaming.Append(delta);
            sent.Append(delta);
            long expected = Counter.Count("gpt-4o", sent.ToString());
            Assert.Equal(expected, streaming.Count);
            Assert.Equal(expected, streaming.Count);
        }

        Assert.Equal(Counter.Count("gpt-4o", text), streaming.Count);
    }

    private static IEnumerable<string> RandomSplit(Random random, string text)
    {
        int i = 0;
        while (i < text.Length)
        {
            int mode = random.Next(4);
            int n = mode switch { 0 => 1, 1 => random.Next(1, 5), 2 => random.Next(1, 40), _ => random.Next(1, 700) };
            n = Math.Min(n, text.Length - i);
            yield return text.Substring(i, n);
            i += n;
        }
    }
}
