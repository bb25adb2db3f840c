namespace Candor.Core.Accounting;

/// <summary>How Candor counts a model's tokens.</summary>
public enum TokenCountMethod
{
    /// <summary>Exact: the o200k_base tokenizer the model itself uses (gpt-4o, gpt-4.1, gpt-4.5, o1, o3, o4, gpt-5, gpt-oss).</summary>
    O200kBase,

    /// <summary>Exact: the cl100k_base tokenizer the model itself uses (gpt-4, gpt-3.5, text-embedding-3, ada-002).</summary>
    Cl100kBase,

    /// <summary>An estimate: o200k_base counts for a model whose own tokenizer is not public or not shipped
    /// (Claude, Gemini, DeepSeek, Qwen, Kimi, GLM…). Modern vocabularies of 100k–250k entries land within
    /// roughly ±20% of it on English text; CJK and code can differ more.</summary>
    O200kEstimate,
}
