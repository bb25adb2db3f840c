using Candor.Core.Receipts;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;

namespace Candor.Server.Surfaces;

/// <summary>The OpenAI surface: chat completions, legacy completions and embeddings (the model list is <see cref="ModelEndpoints"/>).</summary>
internal static class OpenAIEndpoints
{
    public static IEndpointRouteBuilder MapOpenAI(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/chat/completions", static (HttpContext http, SnapshotHolder snapshots, ChatRelay relay) =>
            ChatAsync(http, snapshots, relay));
        app.MapPost("/v1/completions", static (HttpContext http, SnapshotHolder snapshots, ChatRelay relay) =>
            CompletionsAsync(http, snapshots, relay));
        app.MapPost("/v1/embeddings", static (HttpContext http, SnapshotHolder snapshots, AuxiliaryRelay relay) =>
            EmbeddingsAsync(http, snapshots, relay));
        return app;
    }

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

    /// <summary>Legacy completions go through the chat relay (routing, metering, receipts, redaction) with their own
    /// surface: the prompt is one user message, the answer <c>text_completion</c>s; the receipt lists that translation.</summary>
    private static async Task CompletionsAsync(HttpContext http, SnapshotHolder snapshots, ChatRelay relay)
    {
        var surface = SurfaceRegistry.OpenAICompletions;
        var context = HttpRelay.Context(http, "openai");
        using var accepted = await SurfaceRequest.AcceptAsync<ChatRequest>(context, ReceiptKind.Chat, surface, snapshots, OpenAICompletionsRequestDecoder.TryDecode).ConfigureAwait(false);
        if (accepted is not null)
        {
            context.Receipt?.AddTransformation(new Transformation(Transformation.Translated, "surface", "openai completions -> chat (the prompt as one user message)"));
            await relay.RelayAsync(context, surface, accepted.Value, accepted.Body.WrittenMemory).ConfigureAwait(false);
        }
    }

    private static Task EmbeddingsAsync(HttpContext http, SnapshotHolder snapshots, AuxiliaryRelay relay) =>
        EmbeddingsEndpoint.HandleAsync(HttpRelay.Context(http, "openai"), SurfaceRegistry.OpenAI, snapshots, relay, OpenAIEmbeddingsCodec.TryDecodeRequest,
            static (request, response, output) => OpenAIEmbeddingsCodec.WriteResponse(response, request.Model, request.EncodingFormat, output));
}
