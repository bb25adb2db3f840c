namespace Candor.Protocols.Canonical;

/// <summary>The wire dialects Candor speaks, to clients (surfaces) and to upstreams (providers).</summary>
public enum WireProtocol
{
    /// <summary>OpenAI's chat completions (and its embeddings and models).</summary>
    OpenAI,

    Anthropic,

    Gemini,

    /// <summary>OpenAI's Responses API (<c>POST /v1/responses</c>): a client dialect of its own, translated to every
    /// upstream's chat wire, and relayed as it is only to a channel that serves the Responses API itself
    /// (<c>openai-responses</c>).</summary>
    OpenAIResponses,
}
