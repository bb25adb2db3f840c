using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Anthropic;

namespace Candor.Server.Surfaces;

/// <summary>The Anthropic surface: messages and token counting.</summary>
internal static class AnthropicEndpoints
{
    public static IEndpointRouteBuilder MapAnthropic(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/messages", static async (HttpContext http, SnapshotHolder snapshots, ChatRelay relay) =>
        {
            var surface = SurfaceRegistry.Anthropic;
            var context = new RelayContext(http, "anthropic");
            if (!await ApiKeys.AuthenticateAsync(http, surface, snapshots).ConfigureAwait(false))
            {
                return;
            }

            using var body = await RequestBody.ReadAsync(http, surface, snapshots.Current.Config.MaxRequestBytes).ConfigureAwait(false);
            if (body is null)
            {
                return;
            }

            if (!AnthropicRequestDecoder.TryDecode(body.WrittenSpan, out var request, out var error))
            {
                await ResponseWriter.WriteErrorAsync(http, surface, error).ConfigureAwait(false);
                return;
            }

            if (http.Request.Headers["anthropic-beta"] is { Count: > 0 } beta)
            {
                request.ProtocolHeaders = [new("anthropic-beta", beta.ToString())];
            }

            await relay.RelayAsync(context, surface, request, body.WrittenMemory).ConfigureAwait(false);
        });
        app.MapPost("/v1/messages/count_tokens", static async (HttpContext http, SnapshotHolder snapshots, AuxiliaryRelay relay) =>
        {
            var surface = SurfaceRegistry.Anthropic;
            var context = new RelayContext(http, "anthropic");
            if (!await ApiKeys.AuthenticateAsync(http, surface, snapshots).ConfigureAwait(false))
            {
                return;
            }

            using var body = await RequestBody.ReadAsync(http, surface, snapshots.Current.Config.MaxRequestBytes).ConfigureAwait(false);
            if (body is null)
            {
                return;
            }

            if (!AnthropicRequestDecoder.TryDecodeCountTokens(body.WrittenSpan, out var request, out var error))
            {
                await ResponseWriter.WriteErrorAsync(http, surface, error).ConfigureAwait(false);
                return;
            }

            await relay.CountTokensAsync(context, surface, request, AnthropicErrors.WriteCountTokens).ConfigureAwait(false);
        });
        return app;
    }
}
