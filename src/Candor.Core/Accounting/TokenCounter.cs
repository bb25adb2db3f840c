namespace Candor.Core.Accounting;

/// <summary>Candor's own token counts. OpenAI-family models are counted exactly with their published
/// tokenizers (o200k_base or cl100k_base); every other model is estimated with o200k_base, and
/// <see cref="IsExact"/> says which. Counting is Candor's own (<see cref="TiktokenEncoding"/>, equal to
/// Microsoft.ML.Tokenizers' counts); each vocabulary (100k–200k entries, about 4 MB) loads once per process
/// on first use and is shared across threads.</summary>
internal sealed class TokenCounter
{
    private static readonly string[] O200kPrefixes = ["gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "o1", "o3", "o4", "gpt-5", "gpt-oss", "codex-mini", "computer-use-preview"];
    private static readonly string[] Cl100kPrefixes = ["gpt-4", "gpt-3.5", "gpt-35", "text-embedding-3", "text-embedding-ada-002"];

    /// <summary>How <paramref name="model"/> is counted. A "vendor/" prefix (as in "openai/gpt-4o") is ignored;
    /// names match by family prefix, case-insensitively, where the prefix ends the name or is followed by '-'
    /// (or '.' for "gpt-5.1" and later point releases).</summary>
    public static TokenCountMethod MethodFor(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        int slash = model.LastIndexOf('/');
        var name = slash >= 0 ? model.AsSpan(slash + 1) : model.AsSpan();
        if (MatchesAny(name, O200kPrefixes))
        {
            return TokenCountMethod.O200kBase;
        }

        return MatchesAny(name, Cl100kPrefixes) ? TokenCountMethod.Cl100kBase : TokenCountMethod.O200kEstimate;
    }

    /// <summary>Whether counts for <paramref name="model"/> are exact rather than estimated.</summary>
    public bool IsExact(string model) => MethodFor(model) != TokenCountMethod.O200kEstimate;

    /// <summary>Counts the tokens of <paramref name="text"/> as <paramref name="model"/> would (exactly or as
    /// an estimate; see <see cref="IsExact"/>). Special-token text such as "&lt;|endoftext|&gt;" counts as
    /// the special token, as OpenAI's tokenizer libraries do.</summary>
    public int Count(string model, string? text) => string.IsNullOrEmpty(text) ? 0 : EncodingFor(model).CountTokens(text);

    /// <summary>Counts <paramref name="text"/> with o200k_base (the estimator for every non-OpenAI model).</summary>
    public int CountO200k(string? text) => string.IsNullOrEmpty(text) ? 0 : TiktokenEncoding.O200kBase.CountTokens(text);

    /// <summary>A counter for one response's output, fed text deltas as they stream.</summary>
    public StreamingOutputCounter CreateStreamingCounter(string model) => new(EncodingFor(model));

    /// <summary>A counter for the output of every choice of one response.</summary>
    public ChoiceOutputCounter CreateChoiceCounter(string model) => new(EncodingFor(model));

    internal static TiktokenEncoding EncodingFor(string model) =>
        MethodFor(model) == TokenCountMethod.Cl100kBase ? TiktokenEncoding.Cl100kBase : TiktokenEncoding.O200kBase;

    private static bool MatchesAny(ReadOnlySpan<char> name, string[] prefixes)
    {
        foreach (string prefix in prefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                if (name.Length == prefix.Length)
                {
                    return true;
                }

                char next = name[prefix.Length];
                bool versioned = prefix == "gpt-5" && next == '.';
                if (next == '-' || versioned)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
