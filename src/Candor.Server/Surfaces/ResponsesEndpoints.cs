using System.Diagnostics.CodeAnalysis;
using Candor.Core.Receipts;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Core.Upstream;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;

namespace Candor.Server.Surfaces;

/// <summary>OpenAI's Responses API. <c>POST /v1/responses</c> is relayed as chat is (the same admission, routing,
/// redaction, metering and receipt), translated to every upstream wire, or as it is to an upstream that serves the
/// Responses API itself (<c>openai-responses</c>), which alone honours state and built-in tools. Candor keeps no response (zero retention), so
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
        var snapshot = snapshots.Current;
        using var accepted = await SurfaceRequest.AcceptAsync<ChatRequest>(context, ReceiptKind.Chat, surface, snapshots,
            (ReadOnlyMemory<byte> body, [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error) => Decode(snapshot, body, out request, out error))
            .ConfigureAwait(false);
        if (accepted is not null)
        {
            await relay.RelayAsync(context, surface, accepted.Value, accepted.Body).ConfigureAwait(false);
        }
    }

    /// <summary>Decodes the body, deferring what only an upstream speaking the Responses API serves (state kept by the
    /// server, built-in tools); that is refused here, before anything is sent, when no deployment of the model is such
    /// an upstream (zero retention: a 400 that says why). Otherwise the relay serves it on the same-wire path only.</summary>
    private static bool Decode(RuntimeSnapshot snapshot, ReadOnlyMemory<byte> body, [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error)
    {
        if (!ResponsesRequestDecoder.TryDecodeDeferringState(body, out request, out error))
        {
            return false;
        }

        if (request.ServerState is { } sameWireOnly && !ServedSameWire(snapshot, request.Model))
        {
            (request, error) = (null, sameWireOnly);
            return false;
        }

        return true;
    }

    private static bool ServedSameWire(RuntimeSnapshot snapshot, string model) =>
        snapshot.Config.FastPath && snapshot.Models.TryGetValue(model, out var route)
        && route.Deployments.Any(d => snapshot.Channels.TryGetValue(d.ChannelId, out var channel) && channel.Adapter is IResponsesUpstream);

    private static async Task NotStoredAsync(HttpContext http, SnapshotHolder snapshots)
    {
        if (await ApiKeys.AuthenticateAsync(http, SurfaceRegistry.Responses, snapshots).ConfigureAwait(false))
        {
            await ResponseWriter.WriteErrorAsync(http, SurfaceRegistry.Responses, ResponsesWire.NotStored()).ConfigureAwait(false);
        }
    }
}
