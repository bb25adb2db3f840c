using System.Diagnostics.CodeAnalysis;
using Candor.Core.Receipts;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;

namespace Candor.Server.Surfaces;

/// <summary>The OpenAI-compatible media endpoints on the OpenAI surface (docs/endpoints.md): images (generations, edits),
/// audio (speech, transcriptions), rerank and moderations. Each is accepted like embeddings (<see cref="SurfaceRequest"/>:
/// node admission, key, rate limits, the bounded body, the receipt of its kind), decoded by
/// <see cref="OpenAIMediaCodec"/> (JSON, or a form with its boundary), and relayed by <see cref="MediaRelay"/>.</summary>
internal static class MediaEndpoints
{
    public static IEndpointRouteBuilder MapMedia(this IEndpointRouteBuilder app)
    {
        Map(app, "/v1/images/generations", MediaKind.ImageGeneration);
        Map(app, "/v1/images/edits", MediaKind.ImageEdit);
        Map(app, "/v1/audio/speech", MediaKind.Speech);
        Map(app, "/v1/audio/transcriptions", MediaKind.Transcription);
        Map(app, "/v1/rerank", MediaKind.Rerank);
        Map(app, "/v1/moderations", MediaKind.Moderation);
        return app;
    }

    private static void Map(IEndpointRouteBuilder app, string path, MediaKind kind) =>
        app.MapPost(path, (HttpContext http, SnapshotHolder snapshots, MediaRelay relay) => HandleAsync(http, snapshots, relay, kind));

    private static async Task HandleAsync(HttpContext http, SnapshotHolder snapshots, MediaRelay relay, MediaKind kind)
    {
        var surface = SurfaceRegistry.OpenAI;
        var context = HttpRelay.Context(http, "openai");
        string? contentType = http.Request.ContentType;
        BodyDecoder<MediaRequest> decode = OpenAIMediaCodec.IsMultipart(kind)
            ? (ReadOnlyMemory<byte> body, [NotNullWhen(true)] out MediaRequest? request, [NotNullWhen(false)] out Protocols.Canonical.RelayError? error) =>
                OpenAIMediaCodec.TryDecodeForm(kind, contentType, body, out request, out error)
            : (ReadOnlyMemory<byte> body, [NotNullWhen(true)] out MediaRequest? request, [NotNullWhen(false)] out Protocols.Canonical.RelayError? error) =>
                OpenAIMediaCodec.TryDecodeJson(kind, body, out request, out error);
        using var accepted = await SurfaceRequest.AcceptAsync(context, ReceiptKind.Of(kind), surface, snapshots, decode).ConfigureAwait(false);
        if (accepted is not null)
        {
            await relay.RelayAsync(context, surface, accepted.Value).ConfigureAwait(false);
        }
    }
}
