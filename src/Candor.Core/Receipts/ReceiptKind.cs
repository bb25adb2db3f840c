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

    /// <summary>An image generation (<c>/v1/images/generations</c>).</summary>
    public const string ImageGeneration = "image_generation";

    /// <summary>An image edit (<c>/v1/images/edits</c>).</summary>
    public const string ImageEdit = "image_edit";

    /// <summary>Text to speech (<c>/v1/audio/speech</c>).</summary>
    public const string Speech = "speech";

    /// <summary>A transcription (<c>/v1/audio/transcriptions</c>).</summary>
    public const string Transcription = "transcription";

    /// <summary>A rerank (<c>/v1/rerank</c>).</summary>
    public const string Rerank = "rerank";

    /// <summary>A moderation (<c>/v1/moderations</c>).</summary>
    public const string Moderation = "moderation";

    /// <summary>The kind of a media endpoint's receipt.</summary>
    public static string Of(Candor.Protocols.Canonical.MediaKind kind) => kind switch
    {
        Candor.Protocols.Canonical.MediaKind.ImageGeneration => ImageGeneration,
        Candor.Protocols.Canonical.MediaKind.ImageEdit => ImageEdit,
        Candor.Protocols.Canonical.MediaKind.Speech => Speech,
        Candor.Protocols.Canonical.MediaKind.Transcription => Transcription,
        Candor.Protocols.Canonical.MediaKind.Rerank => Rerank,
        _ => Moderation,
    };
}
