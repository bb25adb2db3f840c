namespace Candor.Protocols.Canonical;

/// <summary>The wire dialects Candor speaks, to clients (surfaces) and to upstreams (providers).</summary>
public enum WireProtocol
{
    /// <summary>OpenAI's chat completions (and its embeddings and models).</summary>
    OpenAI,

    Anthropic,

    Gemini,

    /// <summary>OpenAI's Responses API (<c>POST /v1/responses</c>): a client dialect of its own, so that a request
    /// decoded from it is translated to every upstream (no provider speaks it, so it never takes the fast path).</summary>
    OpenAIResponses,
}
