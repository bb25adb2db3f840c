using Candor.Core.Privacy.Redaction;
using Xunit.Abstractions;

namespace Candor.UnitTests.Core.Privacy;

/// <summary>Precision and recall of the entity scanner per entity type over <see cref="RedactionCorpus"/>.</summary>
public sealed class RedactionCorpusTests(ITestOutputHelper output)
{
    private const int AllKinds = (1 << EntityNames.Count) - 1;

    [Fact]
    public void Corpus_PrecisionAndRecallPerEntityType()
    {
        var tp = new Dictionary<string, int>();
        var fn = new Dictionary<string, int>();
        var fp = new Dictionary<string, int>();
        var failures = new List<string>();
        foreach (var (type, marked) in RedactionCorpus.Positives)
        {
            int start = marked.IndexOf('⟪', StringComparison.Ordinal);
            int end = marked.IndexOf('⟫', StringComparison.Ordinal) - 1;
            string text = marked.Remove(end + 1, 1).Remove(start, 1);
            var found = Scan(text);
            bool hit = false;
            foreach (var m in found)
            {
                string name = EntityNames.NameOf(m.Kind);
                if (name == type && m.Start == start && m.Length == end - start)
                {
                    hit = true;
                }
                else
                {
                    Bump(fp, name);
                    failures.Add($"extra {name} '{text.Substring(m.Start, m.Length)}' in: {text}");
                }
            }

            Bump(hit ? tp : fn, type);
            if (!hit)
            {
                failures.Add($"missed {type} in: {text} (found: {string.Join("; ", found.Select(m => $"{EntityNames.NameOf(m.Kind)} '{text.Substring(m.Start, m.Length)}'"))})");
            }
        }

        foreach (var (type, text) in RedactionCorpus.NearMisses)
        {
            foreach (var m in Scan(text))
            {
                string name = EntityNames.NameOf(m.Kind);
                Bump(fp, name);
                failures.Add($"false {name} '{text.Substring(m.Start, m.Length)}' in near-miss ({type}): {text}");
            }
        }

        foreach (string type in EntityNames.All)
        {
            int t = tp.GetValueOrDefault(type), n = fn.GetValueOrDefault(type), p = fp.GetValueOrDefault(type);
            double precision = t + p == 0 ? 1 : (double)t / (t + p), recall = t + n == 0 ? 1 : (double)t / (t + n);
            output.WriteLine($"{type,-10} positives {t + n,3}  near-misses {RedactionCorpus.NearMisses.Count(x => x.Type == type),3}  precision {precision:0.000}  recall {recall:0.000}");
            Assert.True(t + n >= 5, $"the corpus needs at least 5 positives of {type}");
        }

        foreach (var f in failures)
        {
            output.WriteLine(f);
        }

        Assert.Empty(failures);
    }

    [Theory]
    [InlineData("我的手机号是13812345678，邮箱alice@example.com，身份证11010519491231002X。", "我的手机号是[PHONE]，邮箱[EMAIL]，身份证[CN_ID]。")]
    [InlineData("卡号6222021234567890128和IP 10.0.0.1", "卡号[BANK_CARD]和IP [IP]")]
    public void ChineseText_EntitiesNextToHanCharactersAreMasked(string text, string expected)
    {
        var redactor = new Redactor(new Candor.Core.Privacy.RedactionPolicy(new Dictionary<string, Candor.Core.Privacy.EntityAction>(), Candor.Core.Privacy.EntityAction.Mask));
        Assert.Equal(expected, redactor.Redact(text));
    }

    [Fact]
    public void AdversarialInput_ScansInLinearTime()
    {
        // Long runs that defeat naive patterns: digits, separators, '@' chains, hex and colons, key-like runs.
        string[] inputs =
        [
            new string('1', 200_000),
            string.Concat(Enumerable.Repeat("1 ", 100_000)),
            string.Concat(Enumerable.Repeat("a.", 100_000)) + "@",
            string.Concat(Enumerable.Repeat("a@", 100_000)),
            string.Concat(Enumerable.Repeat("a:", 100_000)),
            "sk-" + new string('a', 200_000) + "!",
            string.Concat(Enumerable.Repeat("-----BEGIN ", 20_000)),
            string.Concat(Enumerable.Repeat("x://a:", 30_000)),
            string.Concat(Enumerable.Repeat("+1 23", 40_000)),
            string.Concat(Enumerable.Repeat("passport ", 20_000)),
        ];
        foreach (string input in inputs)
        {
            // A quadratic scan of 200,000 characters takes minutes; a linear one milliseconds. On a loaded machine the
            // bound is relative: 50 times the scan of ordinary text of the same length, timed just before.
            var baseline = Timed(Prose(input.Length));
            var elapsed = Timed(input);
            Assert.True(elapsed < TimeSpan.FromSeconds(2) || elapsed < baseline * 50, $"{elapsed} (ordinary text: {baseline}) on an input starting '{input[..20]}'");
        }

        static TimeSpan Timed(string text)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Scan(text);
            return watch.Elapsed;
        }

        static string Prose(int length)
        {
            const string sentence = "The report for Q3 lists 12 items, 包含中文, totals 4,500 and ends at 10:30. ";
            return string.Concat(Enumerable.Repeat(sentence, (length / sentence.Length) + 1))[..length];
        }
    }

    [Fact]
    public void NothingFound_AllocatesNothing()
    {
        const string text = "An ordinary paragraph of prose, 包含中文字符, with numbers 12 and 2024, a time 10:30, and no entities at all.";
        Scan(text);
        long before = GC.GetAllocatedBytesForCurrentThread();
        List<EntityMatch>? found = null;
        for (int i = 0; i < 100; i++)
        {
            EntityScanner.Scan(text, AllKinds, ref found);
        }

        Assert.Null(found);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static List<EntityMatch> Scan(string text)
    {
        List<EntityMatch>? found = null;
        EntityScanner.Scan(text, AllKinds, ref found);
        return found ?? [];
    }

    private static void Bump(Dictionary<string, int> counts, string type) => counts[type] = counts.GetValueOrDefault(type) + 1;
}
