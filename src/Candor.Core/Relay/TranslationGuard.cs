using Candor.Protocols.Canonical;

namespace Candor.Core.Relay;

/// <summary>Stops a request from silently losing meaning on the way to an upstream of another protocol.
/// Unknown fields of the client's protocol (kept in <see cref="ChatRequest.Unmapped"/>) are written back
/// only to upstreams of the same protocol; most are harmless to drop, but provider-specific tools
/// (Anthropic server tools, Gemini googleSearch or urlContext) would change the answer, so such a
/// request is refused instead of answered without them.</summary>
internal static class TranslationGuard
{
    public static RelayError? Check(ChatRequest request, WireProtocol upstream)
    {
        if (request.SourceProtocol == upstream || request.Unmapped is not { } unmapped || !unmapped.ContainsKey("tools"))
        {
            return null;
        }

        // The Anthropic decoder keeps the whole tools array verbatim when it holds attributes such as
        // cache_control; that alone is not a server tool.
        if (request.SourceProtocol == WireProtocol.Anthropic && unmapped["tools"] is System.Text.Json.Nodes.JsonArray tools
            && tools.All(static t => t is System.Text.Json.Nodes.JsonObject o && (!o.TryGetPropertyValue("type", out var type) || (string?)type == "custom")))
        {
            return null;
        }

        return RelayError.BadRequest(
            $"The request uses {request.SourceProtocol}-specific tools that the {upstream} upstream serving this model cannot run.", "tools");
    }
}
