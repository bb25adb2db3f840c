using System.Text.Json;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;
using Candor.Protocols.Gemini;

namespace Candor.Server.Surfaces;

/// <summary>The Gemini surface: models/{model}:generateContent, :streamGenerateContent, :countTokens,
/// and the model list. The model and the method share one path segment, so the route takes the rest
/// of the path and splits it at the last colon.</summary>
internal static class GeminiEndpoints
{
    public static IEndpointRouteBuilder MapGemini(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1beta/models/{**target}", static (HttpContext http, string target, SnapshotHolder snapshots, ChatRelay relay, AuxiliaryRelay aux) =>
            HandleAsync(http, target, snapshots, relay, aux));
        app.MapGet("/v1beta/models", static async (HttpContext http, SnapshotHolder snapshots) =>
        {
            if (!await ApiKeys.AuthenticateAsync(http, SurfaceRegistry.Gemini, snapshots).ConfigureAwait(false))
            {
                return;
            }

            http.Response.ContentType = "application/json";
            using var w = new Utf8JsonWriter(http.Response.BodyWriter);
            w.WriteStartObject();
            w.WriteStartArray("models");
            foreach (var name in snapshots.Current.ModelNames)
            {
                w.WriteStartObject();
                w.WriteString("name", "models/" + name);
                w.WriteString("displayName", name);
                w.WriteStartArray("supportedGenerationMethods");
                w.WriteStringValue("generateContent");
                w.WriteStringValue("streamGenerateContent");
                w.WriteStringValue("countTokens");
                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            await w.FlushAsync().ConfigureAwait(false);
            await ResponseWriter.FlushAsync(http).ConfigureAwait(false);
        });
        return app;
    }

    private static async Task HandleAsync(HttpContext http, string target, SnapshotHolder snapshots, ChatRelay relay, AuxiliaryRelay aux)
    {
        var surface = SurfaceRegistry.Gemini;
        var context = new RelayContext(http, "gemini");
        int colon = target.LastIndexOf(':');
        string model = colon > 0 ? target[..colon] : target;
        string method = colon > 0 ? target[(colon + 1)..] : "";
        if (method is not ("generateContent" or "streamGenerateContent" or "countTokens"))
        {
            await ResponseWriter.WriteErrorAsync(http, surface, new RelayError(RelayStage.Decode, RelayErrorKind.NotFound, 404,
                $"Method '{method}' is not supported; use generateContent, streamGenerateContent or countTokens.")).ConfigureAwait(false);
            return;
        }

        if (!await ApiKeys.AuthenticateAsync(http, surface, snapshots).ConfigureAwait(false))
        {
            return;
        }

        using var body = await RequestBody.ReadAsync(http, surface, snapshots.Current.Config.MaxRequestBytes).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }

        if (method == "countTokens")
        {
            if (!GeminiRequestDecoder.TryDecodeCountTokens(body.WrittenSpan, model, out var countRequest, out var countError))
            {
                await ResponseWriter.WriteErrorAsync(http, surface, countError).ConfigureAwait(false);
                return;
            }

            await aux.CountTokensAsync(context, surface, countRequest, GeminiErrors.WriteCountTokens).ConfigureAwait(false);
            return;
        }

        bool stream = method == "streamGenerateContent";
        if (stream && !string.Equals(http.Request.Query["alt"], "sse", StringComparison.Ordinal))
        {
            await ResponseWriter.WriteErrorAsync(http, surface, RelayError.BadRequest(
                "streamGenerateContent is served as server-sent events only; add ?alt=sse (as the Gemini SDKs do).", "alt")).ConfigureAwait(false);
            return;
        }

        if (!GeminiRequestDecoder.TryDecode(body.WrittenSpan, model, stream, out var request, out var error))
        {
            await ResponseWriter.WriteErrorAsync(http, surface, error).ConfigureAwait(false);
            return;
        }

        await relay.RelayAsync(context, surface, request, body.WrittenMemory).ConfigureAwait(false);
    }
}
