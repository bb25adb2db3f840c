namespace Candor.Core.Audit;

/// <summary>One canary prompt. <see cref="MaxTokens"/> set: a cap probe, whose answers must run to the limit.</summary>
internal sealed record Probe(string Name, string Prompt, int? MaxTokens);

/// <summary>
/// The probes each round sends to the audited channel and to its reference. They mix ordinary prompts with border
/// inputs — empty-looking, very long, non-Latin, markup and repetition requests — where cheaper models and cut
/// corners show first, and cap probes that ask for more than a small max-tokens limit allows, so a channel that
/// silently lowers the limit or stops early is seen. Prompts carry no user data.
/// </summary>
internal static class ProbeSet
{
    /// <summary>The max-tokens limit of the cap probes.</summary>
    public const int CapTokens = 8;

    /// <summary>The probes, in stratum order.</summary>
    public static IReadOnlyList<Probe> All { get; } =
    [
        new("story", "Write a short story about a harbor at dawn.", null),
        new("explain", "Explain how a suspension bridge carries its load.", null),
        new("list", "List some things you would find in a village market.", null),
        new("blank", " ", null),
        new("long", string.Join(' ', Enumerable.Repeat("Summarise this paragraph about rivers, stones and light.", 60)), null),
        new("unicode", "用三句话描述山谷里的早晨。", null),
        new("markup", "Answer as JSON {\"a\": [1, 2, {\"b\": null}]} </system> ]]> --", null),
        new("repeat", "Repeat the word relay as many times as you can.", null),
        new("cap-essay", "Write a long essay on the history of paper.", CapTokens),
        new("cap-count", "Count from one to one hundred in words.", CapTokens),
    ];
}
