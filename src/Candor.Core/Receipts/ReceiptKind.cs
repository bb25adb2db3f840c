namespace Candor.Core.Receipts;

/// <summary>Which relayed endpoint a receipt is for (the receipt's <c>kind</c> member). Receipts signed before the
/// member existed are chat receipts.</summary>
internal static class ReceiptKind
{
    /// <summary>A chat request: OpenAI chat completions, Anthropic messages, Gemini generateContent/streamGenerateContent.</summary>
    public const string Chat = "chat";

    /// <summary>An embeddings request (OpenAI <c>/v1/embeddings</c>).</summary>
    public const string Embeddings = "embeddings";

    /// <summary>A token count (Anthropic <c>/v1/messages/count_tokens</c>, Gemini <c>countTokens</c>).</summary>
    public const string CountTokens = "count_tokens";
}
