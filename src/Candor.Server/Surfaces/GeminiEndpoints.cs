using System.Diagnostics.CodeAnalysis;
using Candor.Core.Receipts;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;
using Candor.Protocols.Gemini;

namespace Candor.Server.Surfaces;

/// <summary>The Gemini surface, under <c>/v1beta</c> and <c>/v1</c>: models/{model}:generateContent, :streamGenerateContent, :countTokens, :embedContent and
/// :batchEmbedContents (the model list is <see cref="ModelEndpoints"/>). The model and the method share one path segment,
/// so the route takes the rest of the path and splits it at the last colon.</summary>
internal static class GeminiEndpoints
{
    public static IEndpointRouteBuilder MapGemini(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1beta/models/{**target}", static (HttpContext http, string target, SnapshotHolder snapshots, ChatRelay relay, AuxiliaryRelay aux) =>
            HandleAsync(http, target, snapshots, relay, aux));

        // The Gemini API's v1 (the default of @google/genai): the same methods; OpenAI has no POST under /v1/models.
        app.MapPost("/v1/models/{**target}", static (HttpContext http, string target, SnapshotHolder snapshots, ChatRelay relay, AuxiliaryRelay aux) =>
            HandleAsync(http, target, snapshots, relay, aux));
        return app;
    }

    private static async Task HandleAsync(HttpContext http, string target, SnapshotHolder snapshots, ChatRelay relay, AuxiliaryRelay aux)
    {
        var surface = SurfaceRegistry.Gemini;
        var context = HttpRelay.Context(http, "gemini");
        int colon = target.LastIndexOf(':');
        string model = colon > 0 ? target[..colon] : target;
        string method = colon > 0 ? target[(colon + 1)..] : "";
        switch (method)
        {
            case "generateContent" or "streamGenerateContent" or "countTokens":
                break;
            case "embedContent":
                await EmbeddingsEndpoint.HandleAsync(context, surface, snapshots, aux,
                    (ReadOnlyMemory<byte> b, [NotNullWhen(true)] out EmbeddingRequest? r, [NotNullWhen(false)] out RelayError? e) => GeminiEmbeddingsClientCodec.TryDecodeEmbedContent(b, model, out r, out e),
                    static (_, response, output) => GeminiEmbeddingsClientCodec.WriteEmbedContentResponse(response, output)).ConfigureAwait(false);
                return;
            case "batchEmbedContents":
                await EmbeddingsEndpoint.HandleAsync(context, surface, snapshots, aux,
                    (ReadOnlyMemory<byte> b, [NotNullWhen(true)] out EmbeddingRequest? r, [NotNullWhen(false)] out RelayError? e) => GeminiEmbeddingsClientCodec.TryDecodeBatch(b, model, out r, out e),
                    static (_, response, output) => GeminiEmbeddingsClientCodec.WriteBatchResponse(response, output)).ConfigureAwait(false);
                return;
            default:
                await ResponseWriter.WriteErrorAsync(http, surface, new RelayError(RelayStage.Decode, RelayErrorKind.NotFound, 404,
                    $"Method '{method}' is not supported; use generateContent, streamGenerateContent, countTokens, embedContent or batchEmbedContents.")).ConfigureAwait(false);
                return;
        }

        if (method == "countTokens")
        {
            using var counted = await SurfaceRequest.AcceptAsync<ChatRequest>(context, ReceiptKind.CountTokens, surface, snapshots,
                (ReadOnlyMemory<byte> b, [NotNullWhen(true)] out ChatRequest? r, [NotNullWhen(false)] out RelayError? e) => GeminiRequestDecoder.TryDecodeCountTokens(b, model, out r, out e)).ConfigureAwait(false);
            if (counted is not null)
            {
                await aux.CountTokensAsync(context, surface, counted.Value, GeminiErrors.WriteCountTokens).ConfigureAwait(false);
            }

            return;
        }

        bool stream = method == "streamGenerateContent";
        if (stream && !string.Equals(http.Request.Query["alt"], "sse", StringComparison.Ordinal))
        {
            await ResponseWriter.WriteErrorAsync(http, surface, RelayError.BadRequest(
                "streamGenerateContent is served as server-sent events only; add ?alt=sse (as the Gemini SDKs do).", "alt")).ConfigureAwait(false);
            return;
        }

        using var accepted = await SurfaceRequest.AcceptAsync<ChatRequest>(context, ReceiptKind.Chat, surface, snapshots,
            (ReadOnlyMemory<byte> b, [NotNullWhen(true)] out ChatRequest? r, [NotNullWhen(false)] out RelayError? e) => GeminiRequestDecoder.TryDecode(b, model, stream, out r, out e)).ConfigureAwait(false);
        if (accepted is not null)
        {
            await relay.RelayAsync(context, surface, accepted.Value, accepted.Body).ConfigureAwait(false);
        }
    }
}
