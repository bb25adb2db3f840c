using Candor.Core.Admission;
using Candor.Core.Receipts;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;

namespace Candor.Server.Surfaces;

/// <summary>The OpenAI surface: chat completions, embeddings and the model list.</summary>
internal static class OpenAIEndpoints
{
    public static IEndpointRouteBuilder MapOpenAI(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/chat/completions", static (HttpContext http, SnapshotHolder snapshots, ChatRelay relay) =>
            ChatAsync(http, snapshots, relay));
        app.MapPost("/v1/embeddings", static (HttpContext http, SnapshotHolder snapshots, AuxiliaryRelay relay) =>
            EmbeddingsAsync(http, snapshots, relay));
        app.MapGet("/v1/models", static async (HttpContext http, SnapshotHolder snapshots) =>
        {
            if (!await ApiKeys.AuthenticateAsync(http, SurfaceRegistry.OpenAI, snapshots).ConfigureAwait(false))
            {
                return;
            }

            var snapshot = snapshots.Current;
            http.Response.ContentType = "application/json";
            OpenAIModelsEncoder.WriteList(snapshot.ModelNames, Created(snapshot), http.Response.BodyWriter);
            await ResponseWriter.FlushAsync(http).ConfigureAwait(false);
        });
        app.MapGet("/v1/models/{**id}", static async (HttpContext http, string id, SnapshotHolder snapshots) =>
        {
            if (!await ApiKeys.AuthenticateAsync(http, SurfaceRegistry.OpenAI, snapshots).ConfigureAwait(false))
            {
                return;
            }

            var snapshot = snapshots.Current;
            if (!snapshot.Models.ContainsKey(id))
            {
                await ResponseWriter.WriteErrorAsync(http, SurfaceRegistry.OpenAI, RelayError.ModelNotFound(id)).ConfigureAwait(false);
                return;
            }

            http.Response.ContentType = "application/json";
            OpenAIModelsEncoder.WriteModel(id, Created(snapshot), http.Response.BodyWriter);
            await ResponseWriter.FlushAsync(http).ConfigureAwait(false);
        });
        return app;
    }

    private static long Created(RuntimeSnapshot snapshot) => snapshot.Config.CreatedUnixSeconds;

    private static async Task ChatAsync(HttpContext http, SnapshotHolder snapshots, ChatRelay relay)
    {
        var surface = SurfaceRegistry.OpenAI;
        var context = HttpRelay.Context(http, "openai");
        using var accepted = await SurfaceRequest.AcceptAsync<ChatRequest>(context, ReceiptKind.Chat, surface, snapshots, OpenAIChatRequestDecoder.TryDecode).ConfigureAwait(false);
        if (accepted is not null)
        {
            await relay.RelayAsync(context, surface, accepted.Value, accepted.Body.WrittenMemory).ConfigureAwait(false);
        }
    }

    private static async Task EmbeddingsAsync(HttpContext http, SnapshotHolder snapshots, AuxiliaryRelay relay)
    {
        var surface = SurfaceRegistry.OpenAI;
        var context = HttpRelay.Context(http, "openai");
        using var accepted = await SurfaceRequest.AcceptAsync<EmbeddingRequest>(context, ReceiptKind.Embeddings, surface, snapshots, OpenAIEmbeddingsCodec.TryDecodeRequest).ConfigureAwait(false);
        if (accepted is null)
        {
            return;
        }

        var request = accepted.Value;

        // A stored key's allowed models are checked by admission (AdmissionPipeline's billing step), as for chat.
        await relay.EmbeddingsAsync(context, surface, request,
            (response, output) => OpenAIEmbeddingsCodec.WriteResponse(response, request.Model, request.EncodingFormat, output),
            accepted.Body.WrittenMemory).ConfigureAwait(false);
    }
}
