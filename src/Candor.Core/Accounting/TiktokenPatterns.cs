using System.Text.RegularExpressions;

namespace Candor.Core.Accounting;

/// <summary>The published pre-tokenization patterns of OpenAI's tiktoken encodings, in the .NET form the
/// reference tokenizer (Microsoft.ML.Tokenizers 2.0) uses. Every alternative consumes at least one
/// character and none looks behind, so enumerating the matches of a segment once gives the same pieces as
/// matching again from the end of each piece. The patterns are linear in practice (the longest
/// backtrack is over one run of letters or whitespace), so they run without a timeout.</summary>
internal static partial class TiktokenPatterns
{
    private const string O200kBasePattern =
        @"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?" +
        @"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?" +
        @"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private const string Cl100kBasePattern =
        @"'(?i:[sdmt]|ll|ve|re)|(?>[^\r\n\p{L}\p{N}]?)(?>\p{L}+)|(?>\p{N}{1,3})| ?(?>[^\s\p{L}\p{N}]+)(?>[\r\n]*)" +
        @"|(?>\s+)$|\s*[\r\n]|\s+(?!\S)|\s";

    /// <summary>o200k_base (GPT-4o, o-series, GPT-5).</summary>
    [GeneratedRegex(O200kBasePattern, RegexOptions.None)]
    internal static partial Regex O200kBase();

    /// <summary>cl100k_base (GPT-4, GPT-3.5).</summary>
    [GeneratedRegex(Cl100kBasePattern, RegexOptions.None)]
    internal static partial Regex Cl100kBase();
}
