using Candor.Core.Privacy;
using Candor.Core.Privacy.Redaction;
using Xunit.Abstractions;

namespace Candor.UnitTests.Core.Privacy;

/// <summary>The scanner against <see cref="RealisticCorpus"/>, the hand-written texts: every marked value found with
/// its type and exact bounds, nothing else found; per-type recall and precision printed (docs/privacy.md quotes
/// them); and the redaction guarantees over the same texts: no value left, the pseudonymized text restores exactly.</summary>
public sealed class RealisticCorpusTests(ITestOutputHelper output)
{
    private const int AllKinds = (1 << EntityNames.Count) - 1;

    private static readonly Lazy<IReadOnlyList<LabelledText>> Corpus = new(() => RealisticCorpus.Samples.Select(static s => Parse(s.Source, s.Text)).ToList());

    [Fact]
    public void HandWrittenTexts_EveryValueFound_NothingElse()
    {
        var tp = new Dictionary<string, int>();
        var fn = new Dictionary<string, int>();
        var fp = new Dictionary<string, int>();
        var failures = new List<string>();
        foreach (var item in Corpus.Value)
        {
            List<EntityMatch>? found = null;
            EntityScanner.Scan(item.Text, AllKinds, ref found);
            found ??= [];
            foreach (var (type, start, length) in item.Entities)
            {
                bool hit = found.Any(m => EntityNames.NameOf(m.Kind) == type && m.Start == start && m.Length == length);
                Bump(hit ? tp : fn, type);
                if (!hit)
                {
                    failures.Add($"missed {type} '{item.Text.Substring(start, length)}' in [{item.Kind}]");
                }
            }

            foreach (var m in found)
            {
                string name = EntityNames.NameOf(m.Kind);
                if (!item.Entities.Any(e => e.Type == name && e.Start == m.Start && e.Length == m.Length))
                {
                    Bump(fp, name);
                    failures.Add($"false {name} '{item.Text.Substring(m.Start, m.Length)}' in [{item.Kind}]");
                }
            }
        }

        output.WriteLine($"hand-written corpus: {Corpus.Value.Count} texts, {Corpus.Value.Sum(i => i.Entities.Count)} entities");
        output.WriteLine($"{"type",-10} {"entities",8} {"TP",5} {"FN",4} {"FP",4} {"recall",7} {"precision",9}");
        foreach (string type in EntityNames.All)
        {
            int t = tp.GetValueOrDefault(type), n = fn.GetValueOrDefault(type), p = fp.GetValueOrDefault(type);
            double recall = t + n == 0 ? 1 : (double)t / (t + n), precision = t + p == 0 ? 1 : (double)t / (t + p);
            output.WriteLine($"{type,-10} {t + n,8} {t,5} {n,4} {p,4} {recall,7:0.0000} {precision,9:0.0000}");
            Assert.True(t + n > 0, $"the hand-written corpus has no {type}");
        }

        foreach (string f in failures)
        {
            output.WriteLine(f);
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void HandWrittenTexts_PseudonymizedAndMasked_HoldNoValue_AndRestoreExactly()
    {
        foreach (var item in Corpus.Value.Where(static i => i.Entities.Count > 0))
        {
            var pseudonymizer = new Redactor(new RedactionPolicy(new Dictionary<string, EntityAction>(), EntityAction.Pseudonymize));
            string redacted = pseudonymizer.Redact(item.Text);
            string masked = new Redactor(new RedactionPolicy(new Dictionary<string, EntityAction>(), EntityAction.Mask)).Redact(item.Text);
            foreach (var (type, start, length) in item.Entities)
            {
                string value = item.Text.Substring(start, length);
                Assert.False(redacted.Contains(value, StringComparison.Ordinal), $"{type} '{value}' left in the pseudonymized text of [{item.Kind}]");
                Assert.False(masked.Contains(value, StringComparison.Ordinal), $"{type} '{value}' left in the masked text of [{item.Kind}]");
            }

            Assert.Equal(item.Text, pseudonymizer.RestoreAll(redacted, json: false));
        }
    }

    [Fact]
    public void Markup_ParsesToSpans()
    {
        var parsed = Parse("test", "call «phone:13812345678» or write to «email:a@b.cn».");
        Assert.Equal("call 13812345678 or write to a@b.cn.", parsed.Text);
        Assert.Equal(new[] { ("phone", 5, 11), ("email", 29, 6) }, parsed.Entities.Select(static e => (e.Type, e.Start, e.Length)));
    }

    /// <summary>Reads <c>«type:value»</c> marks: the text without them, and the type and span of each value.</summary>
    private static LabelledText Parse(string source, string marked)
    {
        var text = new System.Text.StringBuilder(marked.Length);
        var entities = new List<(string, int, int)>();
        int i = 0;
        while (i < marked.Length)
        {
            int open = marked.IndexOf('«', i);
            if (open < 0)
            {
                text.Append(marked, i, marked.Length - i);
                break;
            }

            int colon = marked.IndexOf(':', open);
            int close = marked.IndexOf('»', colon);
            text.Append(marked, i, open - i);
            string type = marked[(open + 1)..colon];
            Assert.True(EntityNames.TryParse(type, out _), $"unknown type '{type}' in [{source}]");
            entities.Add((type, text.Length, close - colon - 1));
            text.Append(marked, colon + 1, close - colon - 1);
            i = close + 1;
        }

        return new LabelledText(text.ToString(), entities, source);
    }

    private static void Bump(Dictionary<string, int> counts, string type) => counts[type] = counts.GetValueOrDefault(type) + 1;
}
