using Candor.Core.Receipts;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Anthropic;
using Candor.Protocols.Canonical;

namespace Candor.Server.Surfaces;

/// <summary>The Anthropic surface: messages and token counting.</summary>
internal static class AnthropicEndpoints
{
    public static IEndpointRouteBuilder MapAnthropic(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/messages", static async (HttpContext http, SnapshotHolder snapshots, ChatRelay relay) =>
        {
            var surface = SurfaceRegistry.Anthropic;
            var context = HttpRelay.Context(http, "anthropic");
            using var accepted = await SurfaceRequest.AcceptAsync<ChatRequest>(context, ReceiptKind.Chat, surface, snapshots, AnthropicRequestDecoder.TryDecode).ConfigureAwait(false);
            if (accepted is null)
            {
                return;
            }

            if (http.Request.Headers["anthropic-beta"] is { Count: > 0 } beta)
            {
                accepted.Value.ProtocolHeaders = [new("anthropic-beta", beta.ToString())];
            }

            await relay.RelayAsync(context, surface, accepted.Value, accepted.Body).ConfigureAwait(false);
        });
        app.MapPost("/v1/messages/count_tokens", static async (HttpContext http, SnapshotHolder snapshots, AuxiliaryRelay relay) =>
        {
            var surface = SurfaceRegistry.Anthropic;
            var context = HttpRelay.Context(http, "anthropic");
            using var accepted = await SurfaceRequest.AcceptAsync<ChatRequest>(context, ReceiptKind.CountTokens, surface, snapshots, AnthropicRequestDecoder.TryDecodeCountTokens).ConfigureAwait(false);
            if (accepted is not null)
            {
                await relay.CountTokensAsync(context, surface, accepted.Value, AnthropicErrors.WriteCountTokens).ConfigureAwait(false);
            }
        });
        return app;
    }
}
