using System.Text;
using System.Text.RegularExpressions;
using Candor.Core.Audit;
using Candor.Emulator;

namespace Candor.FunctionalTests.Audit;

/// <summary>
/// Everything an upstream that reads Candor's public source knows about probes, as a recogniser a cheat can run on
/// every request (emulator <c>spare_known</c>): a user message the public grammar (<see cref="ProbeBank"/>) can produce —
/// every template with every slot value, opener and closer, passages of the bank's sentences before or after it —, a system message or a
/// tool from the bank, or a cap probe's max-tokens range (8–32). It needs no seed: the grammar spans a finite set of
/// forms, and matching one is a regular expression.
/// </summary>
internal static class PublicGrammar
{
    private static readonly Regex Template = new(Alternation(Banks.Select(static b =>
        "^" + Alternation(b.Openers.Where(static o => o.Length > 0).Select(Regex.Escape)) + "?" +
        Alternation(b.Kinds.SelectMany(static k => k.Templates).Concat(b.LongAnswer).Select(t => Pattern(t, b)[1..^1])) +
        Alternation(b.Closers.Where(static c => c.Length > 0).Select(Regex.Escape)) + "?$")), Options);

    private static readonly Regex Passage = new(Passages(), Options);

    private static readonly HashSet<string> Systems = [.. Banks.SelectMany(static b => b.Systems)];

    private static readonly HashSet<string> Tools = [.. ProbeBank.Tools.Select(static t => t.Name)];

    private const RegexOptions Options = RegexOptions.CultureInvariant;

    private static ProbeBank[] Banks => [ProbeBank.English, ProbeBank.ChineseBank];

    /// <summary>True when the request could be a probe by the public source alone.</summary>
    public static bool Recognises(KnownRequest request) =>
        request.MaxTokens is >= 8 and <= 32 || (request.System is { } system && Systems.Contains(system)) ||
        request.Tools.Any(Tools.Contains) || IsPublicPrompt(request.User);

    /// <summary>True when the public grammar can produce <paramref name="prompt"/>: parts separated by a blank line, each
    /// a template or a passage, at least one a template.</summary>
    public static bool IsPublicPrompt(string prompt)
    {
        var parts = prompt.Split("\n\n");
        return parts.Any(static p => Template.IsMatch(p)) && parts.All(static p => Template.IsMatch(p) || Passage.IsMatch(p));
    }

    private static string Passages()
    {
        var english = Alternation(ProbeBank.English.Sentences.Select(static s => Pattern(s, ProbeBank.English)[1..^1]));
        var chinese = Alternation(ProbeBank.ChineseBank.Sentences.Select(static s => Pattern(s, ProbeBank.ChineseBank)[1..^1]));
        // Atomic groups: every sentence ends at its own full stop, so no backtracking into one is ever needed.
        return $"^(?>{english})(?: (?>{english}))*$|^(?>{chinese})+$";
    }

    /// <summary>The template as an anchored expression: literal text, each slot an alternation of its values.</summary>
    private static string Pattern(string template, ProbeBank bank)
    {
        var pattern = new StringBuilder("^");
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] != '{')
            {
                pattern.Append(Regex.Escape(template[i].ToString()));
                continue;
            }

            var end = template.IndexOf('}', i);
            pattern.Append(template[(i + 1)..end] switch
            {
                "topic" => Alternation(bank.Topics.Select(Regex.Escape)),
                "thing" => Alternation(bank.Things.Select(Regex.Escape)),
                "audience" => Alternation(bank.Audiences.Select(Regex.Escape)),
                "place" => Alternation(bank.Places.Select(Regex.Escape)),
                "form" => Alternation(bank.Forms.Select(Regex.Escape)),
                "language" => Alternation(ProbeBank.ProgrammingLanguages.Select(Regex.Escape)),
                "task" => Alternation(bank.Tasks.Select(Regex.Escape)),
                "sentence" => Alternation(bank.Sentences.Select(s => Pattern(s, bank)[1..^1])),
                "n" or "num" or "order" => "[0-9]+",
                var other => Regex.Escape(other),
            });
            i = end;
        }

        return pattern.Append('$').ToString();
    }

    private static string Alternation(IEnumerable<string> items) => "(?:" + string.Join('|', items.Select(static i => "(?:" + i + ")")) + ")";
}
