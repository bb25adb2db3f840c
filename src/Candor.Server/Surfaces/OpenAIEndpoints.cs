using System.Diagnostics.CodeAnalysis;
using Candor.Core.Receipts;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Core.Upstream;
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
            await relay.RelayAsync(context, surface, accepted.Value, accepted.Body).ConfigureAwait(false);
        }
    }

    /// <summary>Legacy completions go through the chat relay (routing, metering, receipts, redaction) with their own
    /// surface: passed through to an upstream that serves <c>/completions</c> itself, else translated (the prompt is one
    /// user message, the answer <c>text_completion</c>s); each attempt's receipt lists which.</summary>
    private static async Task CompletionsAsync(HttpContext http, SnapshotHolder snapshots, ChatRelay relay)
    {
        var surface = SurfaceRegistry.OpenAICompletions;
        var context = HttpRelay.Context(http, "openai");
        var snapshot = snapshots.Current;
        using var accepted = await SurfaceRequest.AcceptAsync<ChatRequest>(context, ReceiptKind.Chat, surface, snapshots,
            (ReadOnlyMemory<byte> body, [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error) => DecodeCompletions(snapshot, body, out request, out error))
            .ConfigureAwait(false);
        if (accepted is not null)
        {
            await relay.RelayAsync(context, surface, accepted.Value, accepted.Body).ConfigureAwait(false);
        }
    }

    /// <summary>Decodes a completions body, deferring what only an upstream serving legacy completions takes (several
    /// prompts, n/best_of, echo, logprobs, suffix); that is refused here, before anything is sent, when no deployment of the
    /// model passes completions through. Otherwise the relay serves it on those deployments only.</summary>
    private static bool DecodeCompletions(RuntimeSnapshot snapshot, ReadOnlyMemory<byte> body, [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error)
    {
        if (!OpenAICompletionsRequestDecoder.TryDecodeDeferring(body, out request, out error))
        {
            return false;
        }

        if (request.ServerState is { } passthroughOnly && !PassedThrough(snapshot, request.Model))
        {
            (request, error) = (null, passthroughOnly);
            return false;
        }

        return true;
    }

    private static bool PassedThrough(RuntimeSnapshot snapshot, string model) =>
        snapshot.Config.FastPath && snapshot.Models.TryGetValue(model, out var route)
        && route.Deployments.Any(d => snapshot.Channels.TryGetValue(d.ChannelId, out var channel)
            && channel.Adapter is ICompletionsUpstream completions && completions.ServesCompletions(channel.Settings, d.UpstreamModel));

    private static Task EmbeddingsAsync(HttpContext http, SnapshotHolder snapshots, AuxiliaryRelay relay) =>
        EmbeddingsEndpoint.HandleAsync(HttpRelay.Context(http, "openai"), SurfaceRegistry.OpenAI, snapshots, relay, OpenAIEmbeddingsCodec.TryDecodeRequest,
            static (request, response, output) => OpenAIEmbeddingsCodec.WriteResponse(response, request.Model, request.EncodingFormat, output));
}
