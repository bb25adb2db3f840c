using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Candor.Protocols.Anthropic;
using Candor.Protocols.Canonical;
using Candor.Protocols.Gemini;
using Candor.Protocols.OpenAI;

namespace Candor.Protocols.Codecs;

/// <summary>What the relay must know about one wire without speaking it: where the model goes, how a stream ends,
/// how to read back a request body encoded for it, and what its request encoder adds on its own. The relay asks the
/// profile instead of comparing <see cref="WireProtocol"/> values, so wire knowledge stays in Protocols.</summary>
public sealed class WireProfile
{
    private delegate bool Decoder(ReadOnlySpan<byte> body, string model, bool stream, [NotNullWhen(true)] out ChatRequest? request);

    private readonly Decoder _decode;
    private readonly Func<ChatRequest, InjectedParameter?> _injected;
    private readonly Func<ChatRequest, InjectedParameter?> _emulated;
    private readonly Func<ChatRequest, InjectedParameter?> _omitted;
    private readonly Func<ChatRequest, InjectedParameter?> _mapped;
    private readonly Func<ChatRequest, int?> _sentOutputLimit;

    private WireProfile(WireProtocol protocol, bool modelInUrl, bool hasEndMarker, string choiceParameter, Decoder decode,
        Func<ChatRequest, InjectedParameter?> injected, bool embeddingsAsFloats, Func<ChatRequest, InjectedParameter?>? emulated = null,
        Func<ChatRequest, InjectedParameter?>? omitted = null, Func<ChatRequest, InjectedParameter?>? mapped = null,
        Func<ChatRequest, int?>? sentOutputLimit = null)
    {
        _sentOutputLimit = sentOutputLimit ?? (static client => client.MaxOutputTokens);
        _mapped = mapped ?? (static _ => null);
        _emulated = emulated ?? (static _ => null);
        _omitted = omitted ?? (static _ => null);
        Protocol = protocol;
        ModelInUrl = modelInUrl;
        HasEndMarker = hasEndMarker;
        ChoiceParameter = choiceParameter;
        _decode = decode;
        _injected = injected;
        EmbeddingsAsFloats = embeddingsAsFloats;
    }

    /// <summary>OpenAI's chat completions: model in the body, <c>[DONE]</c> ends a stream, streams ask for usage.</summary>
    public static WireProfile OpenAI { get; } = new(WireProtocol.OpenAI, modelInUrl: false, hasEndMarker: true, "n",
        static (ReadOnlySpan<byte> body, string _, bool _, [NotNullWhen(true)] out ChatRequest? request) => OpenAIChatRequestDecoder.TryDecode(body, out request, out _),
        static client => client.Stream && !client.IncludeUsage ? new InjectedParameter("stream_options.include_usage", "true") : null,
        embeddingsAsFloats: true);

    /// <summary>Anthropic's messages: model in the body, <c>message_stop</c> ends a stream, max_tokens is required.</summary>
    public static WireProfile Anthropic { get; } = new(WireProtocol.Anthropic, modelInUrl: false, hasEndMarker: true, "n",
        static (ReadOnlySpan<byte> body, string _, bool _, [NotNullWhen(true)] out ChatRequest? request) => AnthropicRequestDecoder.TryDecode(body, out request, out _),
        static client => client.MaxOutputTokens is null
            ? new InjectedParameter("max_output_tokens", AnthropicRequestEncoder.MaxTokens(client).ToString(CultureInfo.InvariantCulture))
            : null,
        embeddingsAsFloats: false,
        static client => AnthropicRequestEncoder.EmulatesJsonObject(client)
            ? new InjectedParameter("messages", "system instruction serving response_format json_object: \"" + AnthropicRequestEncoder.JsonObjectInstruction + "\"")
            : null,
        static client => AnthropicRequestEncoder.OmitsThinking(client)
            ? new InjectedParameter(client.ThinkingBudget is null && client.ReasoningEffort is not null ? "reasoning_effort" : "thinking_budget",
                "thinking left out: the final assistant turn calls a tool without its signed thinking block")
            : null,
        static client => AnthropicRequestEncoder.ReasoningMapping(client) is { } mapping ? new InjectedParameter("reasoning_effort", mapping) : null,
        static client => AnthropicRequestEncoder.MaxTokens(client));

    /// <summary>Gemini's generateContent: model and stream mode in the URL, and a stream that simply ends after the
    /// chunk carrying the last finish reason (no end marker).</summary>
    public static WireProfile Gemini { get; } = new(WireProtocol.Gemini, modelInUrl: true, hasEndMarker: false, "generationConfig.candidateCount",
        static (ReadOnlySpan<byte> body, string model, bool stream, [NotNullWhen(true)] out ChatRequest? request) => GeminiRequestDecoder.TryDecode(body, model, stream, out request, out _),
        static _ => null,
        embeddingsAsFloats: false,
        mapped: static client => GeminiRequestEncoder.ReasoningMapping(client) is { } mapping ? new InjectedParameter("reasoning_effort", mapping) : null);

    /// <summary>OpenAI's Responses API: model in the body, <c>response.completed</c> ends a stream; Candor encodes no
    /// request in it (a Responses upstream gets the client's own body), so nothing is added.</summary>
    public static WireProfile OpenAIResponses { get; } = new(WireProtocol.OpenAIResponses, modelInUrl: false, hasEndMarker: true, "n",
        static (ReadOnlySpan<byte> body, string _, bool _, [NotNullWhen(true)] out ChatRequest? request) => ResponsesRequestDecoder.TryDecode(body, out request, out _),
        static _ => null,
        embeddingsAsFloats: false);

    /// <summary>The wire.</summary>
    public WireProtocol Protocol { get; }

    /// <summary>The model is named in the URL, not in the body: the fast path forwards the body unchanged.</summary>
    public bool ModelInUrl { get; }

    /// <summary>A stream ends with an explicit marker; without one (Gemini), an answer is complete when every choice
    /// has finished.</summary>
    public bool HasEndMarker { get; }

    /// <summary>The client's name for the number of choices (OpenAI <c>n</c>, Gemini <c>generationConfig.candidateCount</c>).</summary>
    public string ChoiceParameter { get; }

    /// <summary>The upstream embeddings request always asks for floats (OpenAI), whatever encoding the client wants.</summary>
    public bool EmbeddingsAsFloats { get; }

    /// <summary>The profile of <paramref name="protocol"/>.</summary>
    public static WireProfile For(WireProtocol protocol) => protocol switch
    {
        WireProtocol.OpenAI => OpenAI,
        WireProtocol.Anthropic => Anthropic,
        WireProtocol.Gemini => Gemini,
        WireProtocol.OpenAIResponses => OpenAIResponses,
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "Unknown wire protocol."),
    };

    /// <summary>Decodes a chat request body encoded for this wire (<paramref name="model"/> and
    /// <paramref name="stream"/> for a wire that carries them in the URL); false when it does not decode.</summary>
    public bool TryDecodeRequest(ReadOnlySpan<byte> body, string model, bool stream, [NotNullWhen(true)] out ChatRequest? request) =>
        _decode(body, model, stream, out request);

    /// <summary>The parameter this wire's request encoder adds to <paramref name="client"/>'s request, if any.</summary>
    public InjectedParameter? Injected(ChatRequest client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return _injected(client);
    }

    /// <summary>What this wire's request encoder adds to serve a parameter of <paramref name="client"/>'s request that the
    /// wire has no field for (Anthropic: a system instruction for JSON mode), named by the canonical part it changes.</summary>
    public InjectedParameter? Emulated(ChatRequest client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return _emulated(client);
    }

    /// <summary>A parameter of <paramref name="client"/>'s request that this wire's request encoder sends as the wire's own
    /// equivalent (OpenAI's <c>reasoning_effort</c> as Anthropic's or Gemini's thinking budget), named by the canonical
    /// parameter, with what it became; null when none is.</summary>
    public InjectedParameter? Mapped(ChatRequest client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return _mapped(client);
    }

    /// <summary>The output limit (per choice) this wire's request encoder sends for <paramref name="client"/>'s request: the
    /// client's own, or the one the encoder sets on its own when the wire requires one (Anthropic's max_tokens, with room
    /// for the thinking budget); null when the body carries no limit. What the upstream can bill is what billing reserves.</summary>
    public int? SentOutputLimit(ChatRequest client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return _sentOutputLimit(client);
    }

    /// <summary>A parameter of <paramref name="client"/>'s request that this wire's request encoder leaves out because the
    /// upstream refuses it in this request (Anthropic: manual thinking for a tool turn without its signed thinking block),
    /// named by the canonical parameter, or null.</summary>
    public InjectedParameter? Omitted(ChatRequest client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return _omitted(client);
    }
}
