using Candor.Core.Receipts;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;

namespace Candor.Server.Surfaces;

/// <summary>OpenAI's Responses API. <c>POST /v1/responses</c> is relayed as chat is (the same admission, routing,
/// redaction, metering and receipt), translated to every upstream wire. Candor keeps no response (zero retention), so
/// the endpoints that read back, list, cancel or delete a stored response answer 404 in OpenAI's envelope saying so.</summary>
internal static class ResponsesEndpoints
{
    public static IEndpointRouteBuilder MapResponses(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/responses", static (HttpContext http, SnapshotHolder snapshots, ChatRelay relay) => CreateAsync(http, snapshots, relay));
        app.MapGet("/v1/responses/{id}", static (HttpContext http, SnapshotHolder snapshots) => NotStoredAsync(http, snapshots));
        app.MapDelete("/v1/responses/{id}", static (HttpContext http, SnapshotHolder snapshots) => NotStoredAsync(http, snapshots));
        app.MapGet("/v1/responses/{id}/input_items", static (HttpContext http, SnapshotHolder snapshots) => NotStoredAsync(http, snapshots));
        app.MapPost("/v1/responses/{id}/cancel", static (HttpContext http, SnapshotHolder snapshots) => NotStoredAsync(http, snapshots));
        return app;
    }

    private static async Task CreateAsync(HttpContext http, SnapshotHolder snapshots, ChatRelay relay)
    {
        var surface = SurfaceRegistry.Responses;
        var context = HttpRelay.Context(http, "openai");
        using var accepted = await SurfaceRequest.AcceptAsync<ChatRequest>(context, ReceiptKind.Chat, surface, snapshots, ResponsesRequestDecoder.TryDecode).ConfigureAwait(false);
        if (accepted is not null)
        {
            await relay.RelayAsync(context, surface, accepted.Value, accepted.Body.WrittenMemory).ConfigureAwait(false);
        }
    }

    private static async Task NotStoredAsync(HttpContext http, SnapshotHolder snapshots)
    {
        if (await ApiKeys.AuthenticateAsync(http, SurfaceRegistry.Responses, snapshots).ConfigureAwait(false))
        {
            await ResponseWriter.WriteErrorAsync(http, SurfaceRegistry.Responses, ResponsesWire.NotStored()).ConfigureAwait(false);
        }
    }
}
