namespace Candor.Protocols.Canonical;

/// <summary>The OpenAI-compatible endpoints that are neither chat nor embeddings (docs/endpoints.md): what each one
/// sends, how it is metered and which receipt kind it gets follow from it.</summary>
public enum MediaKind
{
    /// <summary><c>POST /v1/images/generations</c>: JSON in, JSON out (URLs or base64 images); priced per image.</summary>
    ImageGeneration,

    /// <summary><c>POST /v1/images/edits</c>: multipart in (image files, prompt), JSON out; priced per image.</summary>
    ImageEdit,

    /// <summary><c>POST /v1/audio/speech</c>: JSON in, audio bytes out (streamed through); priced per million input characters.</summary>
    Speech,

    /// <summary><c>POST /v1/audio/transcriptions</c>: multipart in (an audio file), JSON or text out; priced per second of audio.</summary>
    Transcription,

    /// <summary><c>POST /v1/rerank</c> (Cohere/Jina shape): JSON in and out; priced per search unit.</summary>
    Rerank,

    /// <summary><c>POST /v1/moderations</c>: JSON in and out; free unless the operator prices the model per request.</summary>
    Moderation,
}
