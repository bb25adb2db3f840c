using Candor.Core.Privacy;
using Candor.Core.Privacy.Redaction;
using Xunit.Abstractions;

namespace Candor.UnitTests.Core.Privacy;

/// <summary>Recall and precision of the entity scanner per entity type over the generated <see cref="LabelledCorpus"/>
/// (the goal: recall at least 99.5 % and precision at least 99 % for every type), and the guarantees of redaction
/// over the same texts: a pseudonymized text holds none of its values and restores to the exact original.</summary>
public sealed class LabelledCorpusTests(ITestOutputHelper output)
{
    private const int Seed = 19;
    private const int PerType = 450;
    private const double RecallGoal = 0.995;
    private const double PrecisionGoal = 0.99;
    private const int AllKinds = (1 << EntityNames.Count) - 1;

    private static readonly Lazy<IReadOnlyList<LabelledText>> Corpus = new(() => LabelledCorpus.Generate(Seed, PerType));

    [Fact]
    public void Corpus_RecallAndPrecisionPerType_MeetTheGoal()
    {
        var tp = new Dictionary<string, int>();
        var fn = new Dictionary<string, int>();
        var fp = new Dictionary<string, int>();
        var failures = new List<string>();
        foreach (var item in Corpus.Value)
        {
            var found = Scan(item.Text);
            foreach (var (type, start, length) in item.Entities)
            {
                bool hit = found.Any(m => EntityNames.NameOf(m.Kind) == type && m.Start == start && m.Length == length);
                Bump(hit ? tp : fn, type);
                if (!hit)
                {
                    failures.Add($"missed {type} [{item.Kind}] '{item.Text.Substring(start, length)}' in: {Show(item.Text)} (found: {Describe(item.Text, found)})");
                }
            }

            foreach (var m in found)
            {
                string name = EntityNames.NameOf(m.Kind);
                if (!item.Entities.Any(e => e.Type == name && e.Start == m.Start && e.Length == m.Length))
                {
                    Bump(fp, name);
                    failures.Add($"false {name} [{item.Kind}] '{item.Text.Substring(m.Start, m.Length)}' in: {Show(item.Text)}");
                }
            }
        }

        int negatives = Corpus.Value.Count(i => i.Entities.Count == 0);
        output.WriteLine($"corpus: {Corpus.Value.Count} texts (seed {Seed}), {Corpus.Value.Sum(i => i.Entities.Count)} entities, {negatives} hard negatives");
        output.WriteLine($"{"type",-10} {"entities",8} {"hard neg.",9} {"TP",5} {"FN",4} {"FP",4} {"recall",7} {"precision",9}");
        var below = new List<string>();
        foreach (string type in EntityNames.All)
        {
            int t = tp.GetValueOrDefault(type), n = fn.GetValueOrDefault(type), p = fp.GetValueOrDefault(type);
            double recall = t + n == 0 ? 1 : (double)t / (t + n), precision = t + p == 0 ? 1 : (double)t / (t + p);
            int hard = Corpus.Value.Count(i => i.Kind.StartsWith($"negative {type}/", StringComparison.Ordinal));
            output.WriteLine($"{type,-10} {t + n,8} {hard,9} {t,5} {n,4} {p,4} {recall,7:0.0000} {precision,9:0.0000}");
            Assert.True(t + n >= 300, $"the corpus needs at least 300 entities of {type}");
            if (recall < RecallGoal || precision < PrecisionGoal)
            {
                below.Add($"{type}: recall {recall:0.0000}, precision {precision:0.0000}");
            }
        }

        foreach (var f in failures.Take(80))
        {
            output.WriteLine(f);
        }

        Assert.True(below.Count == 0, "below the goal: " + string.Join("; ", below));
    }

    [Fact]
    public void Corpus_EveryFormatAndEveryHardNegativeKind_IsPresent()
    {
        var kinds = Corpus.Value.GroupBy(i => i.Kind).ToDictionary(g => g.Key, g => g.Count());
        foreach (var (kind, count) in kinds.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{count,5}  {kind}");
        }

        // The formats the issue names, and the kinds of hard negatives it lists.
        string[] required =
        [
            "cn_id/6-8-4 spaced", "cn_id/6-8-4 hyphenated", "cn_id/6-4-4-4 spaced", "phone/landline spaced", "phone/landline (area) grouped",
            "phone/landline area-grouped", "phone/landline +86 hyphenated", "phone/FR pairs", "phone/US +1 (NXX) NXX-XXXX", "phone/DE Berlin", "phone/JP Tokyo",
            "bank_card/amex 4-6-5 spaced", "bank_card/amex 4-6-5 hyphenated", "bank_card/diners 4-6-4 spaced", "bank_card/diners 4-6-4 hyphenated",
            "email/Chinese local part", "email/non-ASCII local part", "secret/URL credentials, raw '#'", "secret/Zhipu key", "secret/npm token",
            "secret/bare Bearer value", "secret/password assignment",
            "negative bank_card/order number passing Luhn", "negative bank_card/arithmetic result passing Luhn", "negative cn_id/ID with a wrong check digit",
            "negative cn_uscc/number passing the USCC check by chance", "negative ip/four-part version", "negative phone/signed count",
            "negative email/image scale or file name", "negative secret/URL template placeholder", "negative secret/token placeholder",
        ];
        foreach (string kind in required)
        {
            Assert.True(kinds.Keys.Any(k => k.StartsWith(kind, StringComparison.Ordinal)), $"the corpus has no '{kind}'");
        }
    }

    [Fact]
    public void Corpus_PseudonymizedAndMasked_HoldNoValue_AndRestoreExactly()
    {
        foreach (var item in Corpus.Value.Where(i => i.Entities.Count > 0))
        {
            var pseudonymizer = new Redactor(new RedactionPolicy(new Dictionary<string, EntityAction>(), EntityAction.Pseudonymize));
            string redacted = pseudonymizer.Redact(item.Text);
            var masker = new Redactor(new RedactionPolicy(new Dictionary<string, EntityAction>(), EntityAction.Mask));
            string masked = masker.Redact(item.Text);
            foreach (var (type, start, length) in item.Entities)
            {
                string value = item.Text.Substring(start, length);
                Assert.False(redacted.Contains(value, StringComparison.Ordinal), $"{type} '{value}' left in the pseudonymized text: {redacted}");
                Assert.False(masked.Contains(value, StringComparison.Ordinal), $"{type} '{value}' left in the masked text: {masked}");
            }

            Assert.Equal(item.Text, pseudonymizer.RestoreAll(redacted, json: false));
        }
    }

    [Theory]
    [InlineData("postgres://app:pa#ss@db.internal/prod", "secret")]
    [InlineData("身份证 210102 19660519 0818 请核对", "cn_id")]
    [InlineData("Amex 3714 496353 98431", "bank_card")]
    public void Block_NamesTheType_NeverTheValue(string text, string type)
    {
        var redactor = new Redactor(new RedactionPolicy(new Dictionary<string, EntityAction>(), EntityAction.Block));
        redactor.Redact(text);
        Assert.Equal(type, redactor.Blocked);
        Assert.Equal($"{type}=1", redactor.CountsHeader());
    }

    [Fact]
    public void UrlWithRawHash_IsOneSecret_NotAnEmail()
    {
        const string text = "DATABASE_URL=postgres://user:pa#ss@db.example.com/app";
        var found = Scan(text);
        var only = Assert.Single(found);
        Assert.Equal(EntityKind.Secret, only.Kind);
        Assert.Equal("user:pa#ss", text.Substring(only.Start, only.Length));
    }

    private static List<EntityMatch> Scan(string text)
    {
        List<EntityMatch>? found = null;
        EntityScanner.Scan(text, AllKinds, ref found);
        return found ?? [];
    }

    private static string Describe(string text, List<EntityMatch> found)
        => string.Join("; ", found.Select(m => $"{EntityNames.NameOf(m.Kind)} '{text.Substring(m.Start, m.Length)}'"));

    private static string Show(string text) => text.Replace("\n", "\\n", StringComparison.Ordinal);

    private static void Bump(Dictionary<string, int> counts, string type) => counts[type] = counts.GetValueOrDefault(type) + 1;
}
