using Candor.Core.Accounting;
using Candor.Core.Relay;
using Candor.Protocols.Anthropic;
using Candor.Protocols.Canonical;
using Candor.Protocols.Gemini;
using Candor.Protocols.OpenAI;

namespace Candor.Server.Surfaces;

/// <summary>The three client dialects, wired to their encoders and error envelopes.</summary>
internal static class SurfaceRegistry
{
    public static readonly Surface OpenAI = new(WireProtocol.OpenAI, static r => new OpenAIChatClientEncoder(r), OpenAIErrors.Write);

    /// <summary>Candor's own prompt count, which a translated Anthropic stream reports in message_start.</summary>
    private static readonly TokenEstimator Estimator = new();

    public static readonly Surface Anthropic = new(WireProtocol.Anthropic, static r => new AnthropicClientEncoder(r, () => Estimator.CountPrompt(r)), AnthropicErrors.Write);

    public static readonly Surface Gemini = new(WireProtocol.Gemini, static r => new GeminiClientEncoder(r), GeminiErrors.Write);
}
