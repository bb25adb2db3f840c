using Candor.Core.Accounting;
using Candor.Core.Relay;
using Candor.Protocols.Anthropic;
using Candor.Protocols.Canonical;
using Candor.Protocols.Gemini;
using Candor.Protocols.OpenAI;

namespace Candor.Server.Surfaces;

/// <summary>The client dialects, wired to their encoders and error envelopes.</summary>
internal static class SurfaceRegistry
{
    public static readonly Surface OpenAI = new(WireProtocol.OpenAI, static r => new OpenAIChatClientEncoder(r), OpenAIErrors.Write);

    /// <summary>OpenAI's legacy <c>/v1/completions</c>: OpenAI's errors, <c>text_completion</c> answers; passed through to an
    /// upstream that serves the endpoint itself, else translated to chat (its body is no chat body).</summary>
    public static readonly Surface OpenAICompletions = new(
        WireProtocol.OpenAI, static r => new OpenAICompletionsClientEncoder(r), OpenAIErrors.Write, forwardsRawBody: false, legacyCompletions: true);

    /// <summary>Candor's own prompt count, which a translated Anthropic stream reports in message_start.</summary>
    private static readonly TokenEstimator Estimator = new();

    public static readonly Surface Anthropic = new(WireProtocol.Anthropic, static r => new AnthropicClientEncoder(r, () => Estimator.CountPrompt(r)), AnthropicErrors.Write,
        encoderReadsPrompt: true);

    /// <summary>OpenAI's Responses API: OpenAI's error envelope, its own encoder (and decoder, so never the fast path).</summary>
    public static readonly Surface Responses = new(WireProtocol.OpenAIResponses, static r => new ResponsesClientEncoder(r), OpenAIErrors.Write);

    public static readonly Surface Gemini = new(WireProtocol.Gemini, static r => new GeminiClientEncoder(r), GeminiErrors.Write);
}
