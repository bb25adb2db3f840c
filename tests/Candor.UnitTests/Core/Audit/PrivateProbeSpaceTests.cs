using System.Globalization;
using Candor.Core.Audit;
using Xunit.Abstractions;

namespace Candor.UnitTests.Core.Audit;

/// <summary>Probes carry the private bank's prompts, each once, with the same parameter mix as before; the mix holds
/// steady over 20,000 probes whether the prompts come from the bank or from the public grammar; a short bank leaves
/// the rest of the round to the public grammar; and the reference's writing requests vary under the seed.</summary>
public sealed class PrivateProbeSpaceTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);

    private static ProbeSecret Secret(byte fill) => new(Enumerable.Repeat(fill, ProbeSecret.Length).ToArray());

    private static List<Probe> Rounds(ProbeGenerator generator, int rounds, int perRound = 50) =>
        [.. Enumerable.Range(1, rounds).SelectMany(r => generator.Round("cheap\ngpt-4o", Start.AddMinutes(10 * r), r, perRound))];

    private static string[] Written(int count, string installation) =>
        [.. Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"{installation} message {i}: how do I keep basil alive on a windowsill?"))];

    [Fact]
    public void TwentyThousandProbes_FromTheBank_EachPromptOnce_NeverRepeated()
    {
        var written = Written(20_000, "a");
        var bank = new PrivateProbeBank(written);
        var probes = Rounds(new ProbeGenerator(Secret(7), bank), 400);
        Assert.Equal(0, bank.Count);
        Assert.All(probes, static p => Assert.True(p.IsPrivate));
        Assert.Equal(written, probes.Select(static p => p.Prompt));
        Assert.Equal(probes.Count, probes.Select(static p => p.Prompt).Distinct(StringComparer.Ordinal).Count());
        // No public system message or tool marks a private probe.
        Assert.All(probes, static p => Assert.True(p.System is null && p.Tool is null));
    }

    [Fact]
    public void PrivateProbes_MixHoldsSteadyInEveryWindow()
    {
        var probes = Rounds(new ProbeGenerator(Secret(7), new PrivateProbeBank(Written(20_000, "a"))), 400);
        foreach (var window in probes.Chunk(5_000))
        {
            double Share(Func<Probe, bool> predicate) => window.Count(predicate) / (double)window.Length;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"stream {Share(static p => p.Stream):P2} max {Share(static p => p.MaxTokens is not null):P2} top_p {Share(static p => p.TopP is not null):P2}"));
            Assert.InRange(Share(static p => p.Stream), 0.52, 0.58);
            Assert.InRange(Share(static p => p.TopP is not null), 0.13, 0.17);
            // Limits as traffic sends them (TrafficLimits.Default: half send none); no small limit only probes would use.
            Assert.InRange(Share(static p => p.MaxTokens is not null), 0.47, 0.53);
        }

        Assert.All(probes, static p => Assert.True(p.MaxTokens is null or >= 256));
    }

    [Fact]
    public void PublicGrammar_MixHoldsSteady_AsItsSpaceFills()
    {
        // Before the shape was drawn apart from the words, a repeat was redrawn as any kind: over 20,000 probes cap probes
        // fell from 15 % to 6.45 % and Chinese from 20 % to 6.5 %.
        var probes = Rounds(new ProbeGenerator(Secret(7)), 400);
        static bool Chinese(Probe p) => p.Prompt.Any(static c => c is >= '\u4e00' and <= '\u9fff');
        foreach (var window in probes.Chunk(5_000))
        {
            double Share(Func<Probe, bool> predicate) => window.Count(predicate) / (double)window.Length;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"cap {Share(static p => p.IsCap):P2} chinese {Share(Chinese):P2} tool {Share(static p => p.Tool is not null):P2} chat {Share(static p => p.Name == "chat"):P2}"));
            Assert.InRange(Share(static p => p.IsCap), 0.13, 0.17);
            Assert.InRange(Share(Chinese), 0.17, 0.23);
            Assert.InRange(Share(static p => p.Tool is not null), 0.08, 0.12);
            Assert.InRange(Share(static p => p.Name == "chat"), 0.07, 0.10);
        }

        Assert.Equal(probes.Count, probes.Select(static p => p.System + "\u0000" + p.Prompt).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void TwoSeeds_PublicGrammar_ShareOnlyShortForms_TwoBanks_ShareNothing()
    {
        var a = Rounds(new ProbeGenerator(Secret(1)), 20);
        var b = Rounds(new ProbeGenerator(Secret(2)), 20);
        var shared = a.Select(static p => p.Prompt).Intersect(b.Select(static p => p.Prompt), StringComparer.Ordinal).ToList();
        output.WriteLine($"public grammar, two seeds, first {a.Count} probes: {shared.Count} prompts shared (longest {shared.DefaultIfEmpty("").Max(static s => s.Length)} chars)");
        // The public grammar's short forms (a template with one slot, an opener and a closer) are few: two seeds meet on
        // them by chance (266 of 1,000 before openers, closers and numbers were drawn).
        Assert.InRange(shared.Count, 0, a.Count / 10);

        var privateA = Rounds(new ProbeGenerator(Secret(1), new PrivateProbeBank(Written(1_000, "a"))), 20);
        var privateB = Rounds(new ProbeGenerator(Secret(2), new PrivateProbeBank(Written(1_000, "b"))), 20);
        Assert.Empty(privateA.Select(static p => p.Prompt).Intersect(privateB.Select(static p => p.Prompt), StringComparer.Ordinal));
    }

    [Fact]
    public void RepeatedPrompt_InTheBank_IsSentOnce_TheNextOneTakesItsPlace()
    {
        var bank = new PrivateProbeBank(["same message twice", "same message twice", "another message", "a third one here"]);
        var generator = new ProbeGenerator(Secret(4), bank);
        var probes = generator.Round("t\nm", Start, 1, 3);
        Assert.Equal(["same message twice", "another message", "a third one here"], probes.Select(static p => p.Prompt));
        Assert.All(probes, static p => Assert.True(p.IsPrivate));
    }

    [Fact]
    public void ShortBank_RestOfTheRound_FromThePublicGrammar()
    {
        var bank = new PrivateProbeBank(Written(10, "a"));
        var probes = new ProbeGenerator(Secret(3), bank).Round("t\nm", Start, 1, 50);
        Assert.Equal(0, bank.Count);
        Assert.All(probes.Take(10), static p => Assert.True(p.IsPrivate));
        Assert.All(probes.Skip(10), static p => Assert.False(p.IsPrivate));
    }

    [Fact]
    public void Bank_StoresWhatIsLeft_AfterEveryTakeAndAdd()
    {
        var store = new RecordingStore();
        var bank = new PrivateProbeBank(["one", "two", "three"], store);
        Assert.Equal(["one", "two"], bank.Take(2));
        Assert.Equal(["three"], store.Last);
        bank.Add(["four"]);
        Assert.Equal(["three", "four"], store.Last);
        Assert.Equal(["three", "four"], bank.Take(5));
        Assert.Empty(store.Last);
        Assert.Empty(bank.Take(1));
        Assert.Equal(3, store.Saves);
    }

    [Fact]
    public void WritingRequests_VaryUnderTheSeed_AndNameNoPublicTopic()
    {
        var generator = new ProbeGenerator(Secret(5));
        var requests = Enumerable.Range(0, 200).Select(i => generator.WritingRequest("t\nm", Start, 1, i)).ToList();
        Assert.True(requests.Select(static r => r.Prompt).Distinct().Count() > 150);
        Assert.InRange(requests.Count(static r => r.Prompt.StartsWith('写')), 20, 60);
        Assert.All(requests, static r => Assert.DoesNotContain(ProbeBank.English.Topics, t => r.Prompt.Contains(t, StringComparison.Ordinal)));
        Assert.Equal(requests.Select(static r => r.Prompt), Enumerable.Range(0, 200).Select(i => new ProbeGenerator(Secret(5)).WritingRequest("t\nm", Start, 1, i).Prompt));
        Assert.NotEqual(requests.Select(static r => r.Prompt), Enumerable.Range(0, 200).Select(i => new ProbeGenerator(Secret(6)).WritingRequest("t\nm", Start, 1, i).Prompt));
    }

    [Theory]
    [InlineData("1. How do I boil an egg?\n2) what's a good name for a cat\n- \"Explain tides please\"\n\n* 帮我写一封请假邮件", new[] { "How do I boil an egg?", "what's a good name for a cat", "Explain tides please", "帮我写一封请假邮件" })]
    [InlineData("River light runs. Stone keeps the harbor quiet. Open. The ledger.", new[] { "River light runs.", "Stone keeps the harbor quiet.", "The ledger." })]
    [InlineData("“今天吃什么好？”\n3、周末去哪里玩？", new[] { "今天吃什么好？", "周末去哪里玩？" })]
    public void WriterAnswer_ParsedIntoPrompts(string answer, string[] expected) => Assert.Equal(expected, ProbeWriter.Parse(answer));

    [Fact]
    public void WriterAnswer_AtMostTwiceTheAsked_LongLinesCutAtASentenceEnd()
    {
        Assert.Equal(20, ProbeWriter.Parse(string.Join('\n', Enumerable.Range(0, 50).Select(static i => $"message {i}"))).Count);
        Assert.Equal(["a real question"], ProbeWriter.Parse("hi\nthanks\na real question"));
        var longLine = string.Concat(Enumerable.Repeat("A sentence of words. ", 400)) + "\nsecond";
        var prompts = ProbeWriter.Parse(longLine);
        Assert.InRange(prompts[0].Length, ProbeWriter.MaxPromptChars - 30, ProbeWriter.MaxPromptChars);
        Assert.EndsWith(".", prompts[0], StringComparison.Ordinal);
    }

    private sealed class RecordingStore : IProbeBankStore
    {
        public string[] Last { get; private set; } = [];

        public int Saves { get; private set; }

        public void Save(IReadOnlyCollection<string> prompts)
        {
            Last = [.. prompts];
            Saves++;
        }
    }
}
