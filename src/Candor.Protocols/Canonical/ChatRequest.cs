using System.Text.Json.Nodes;

namespace Candor.Protocols.Canonical;

/// <summary>The canonical chat request every surface decodes into and every provider encodes from.
/// Null means "not given" for every optional parameter, so that encoders send only what the client set.</summary>
public sealed class ChatRequest
{
    /// <summary>The model the client asked for (the public model name).</summary>
    public string Model { get; set; } = "";

    public List<ChatMessage> Messages { get; } = [];

    public List<ToolDefinition> Tools { get; } = [];

    public ToolChoice? ToolChoice { get; set; }

    /// <summary>False forbids parallel tool calls (OpenAI parallel_tool_calls=false, Anthropic disable_parallel_tool_use).</summary>
    public bool? ParallelToolCalls { get; set; }

    public ResponseFormat? ResponseFormat { get; set; }

    /// <summary>Maximum output tokens (OpenAI max_tokens / max_completion_tokens, Anthropic max_tokens, Gemini maxOutputTokens).</summary>
    public int? MaxOutputTokens { get; set; }

    public double? Temperature { get; set; }

    public double? TopP { get; set; }

    public int? TopK { get; set; }

    public List<string> Stop { get; } = [];

    public long? Seed { get; set; }

    /// <summary>Number of choices (OpenAI n, Gemini candidateCount).</summary>
    public int? N { get; set; }

    public double? PresencePenalty { get; set; }

    public double? FrequencyPenalty { get; set; }

    public bool? Logprobs { get; set; }

    public int? TopLogprobs { get; set; }

    /// <summary>End-user id (OpenAI user, Anthropic metadata.user_id).</summary>
    public string? User { get; set; }

    public Dictionary<string, string>? Metadata { get; set; }

    /// <summary>OpenAI reasoning effort (minimal, low, medium, high).</summary>
    public string? ReasoningEffort { get; set; }

    /// <summary>Extended thinking budget in tokens (Anthropic thinking.budget_tokens, Gemini thinkingBudget).</summary>
    public int? ThinkingBudget { get; set; }

    public bool Stream { get; set; }

    /// <summary>OpenAI stream_options.include_usage as the client sent it.</summary>
    public bool IncludeUsage { get; set; }

    /// <summary>The protocol the request was decoded from.</summary>
    public WireProtocol SourceProtocol { get; set; }

    /// <summary>Request headers of the source protocol that change the request's meaning (Anthropic's
    /// <c>anthropic-beta</c>); forwarded to upstreams that speak the same protocol.</summary>
    public List<KeyValuePair<string, string>>? ProtocolHeaders { get; set; }

    /// <summary>Set before decoding by a caller that can still relay a request needing state kept by the server (the
    /// Responses surface, whose same-wire upstream may keep it): the decoder then records the refusal in
    /// <see cref="ServerState"/> instead of failing.</summary>
    public bool DefersServerState { get; init; }

    /// <summary>Why only the source wire's own upstream can serve the request: state kept by the server (Responses
    /// <c>store: true</c>, <c>previous_response_id</c>, <c>item_reference</c>…) or tools that run on the vendor's servers
    /// (<c>web_search</c>, <c>custom</c>…), when <see cref="DefersServerState"/> let it decode. A same-wire relay to an
    /// upstream that speaks that API serves it; every other path answers this error (Candor itself keeps no state).</summary>
    public RelayError? ServerState { get; set; }

    /// <summary>Top-level fields of the source request that Candor does not model; a same-protocol
    /// encoder writes them back so that nothing the client sent is dropped.</summary>
    public JsonObject? Unmapped { get; set; }
}
