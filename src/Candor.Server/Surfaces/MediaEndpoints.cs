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
    private static readonly (string Path, MediaKind Kind)[] Routes =
    [
        ("/v1/images/generations", MediaKind.ImageGeneration),
        ("/v1/images/edits", MediaKind.ImageEdit),
        ("/v1/audio/speech", MediaKind.Speech),
        ("/v1/audio/transcriptions", MediaKind.Transcription),
        ("/v1/rerank", MediaKind.Rerank),
        ("/v1/moderations", MediaKind.Moderation),
    ];

    public static IEndpointRouteBuilder MapMedia(this IEndpointRouteBuilder app)
    {
        foreach (var (path, kind) in Routes)
        {
            Map(app, path, kind);
        }

        return app;
    }

    /// <summary>Whether <paramref name="path"/> is one of these endpoints (the admission gate refuses them in OpenAI's
    /// envelope at the node's bound, as chat).</summary>
    public static bool Serves(PathString path)
    {
        foreach (var (route, _) in Routes)
        {
            if (path.Equals(route, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
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
