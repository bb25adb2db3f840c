namespace Candor.Core.Accounting;

/// <summary>The tokenizer family of an upstream model, which decides how close Candor's own count can be to the
/// vendor's (docs/billing.md, "Tolerance per tokenizer family"): <c>openai</c> (o200k_base and cl100k_base, counted
/// exactly), <c>anthropic</c>, <c>gemini</c>, <c>deepseek</c>, <c>qwen</c> and <c>other</c> (estimated with
/// o200k_base).</summary>
internal static class TokenizerFamily
{
    /// <summary>The exact OpenAI tokenizers.</summary>
    public const string OpenAI = "openai";

    /// <summary>Claude models.</summary>
    public const string Anthropic = "anthropic";

    /// <summary>Gemini and Gemma models.</summary>
    public const string Gemini = "gemini";

    /// <summary>DeepSeek models.</summary>
    public const string DeepSeek = "deepseek";

    /// <summary>Qwen models.</summary>
    public const string Qwen = "qwen";

    /// <summary>Any other model.</summary>
    public const string Other = "other";

    /// <summary>Every family name, as configuration spells them.</summary>
    public static IReadOnlyList<string> All { get; } = [OpenAI, Anthropic, Gemini, DeepSeek, Qwen, Other];

    /// <summary>The family of <paramref name="model"/> (an upstream model name; a vendor prefix such as
    /// <c>anthropic/</c> or <c>models/</c> is ignored).</summary>
    public static string Of(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (TokenCounter.MethodFor(model) != TokenCountMethod.O200kEstimate)
        {
            return OpenAI;
        }

        var name = model.AsSpan(model.LastIndexOf('/') + 1);
        return name.StartsWith("claude", StringComparison.OrdinalIgnoreCase) ? Anthropic
            : name.StartsWith("gemini", StringComparison.OrdinalIgnoreCase) || name.StartsWith("gemma", StringComparison.OrdinalIgnoreCase) ? Gemini
            : name.StartsWith("deepseek", StringComparison.OrdinalIgnoreCase) ? DeepSeek
            : name.StartsWith("qwen", StringComparison.OrdinalIgnoreCase) || name.StartsWith("qwq", StringComparison.OrdinalIgnoreCase) ? Qwen
            : Other;
    }
}
