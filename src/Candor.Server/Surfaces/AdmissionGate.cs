using System.Buffers;
using Candor.Core.Configuration;
using Microsoft.Extensions.Primitives;

namespace Candor.Server.Surfaces;

/// <summary>The first step of the pipeline: while the node is at its bound of requests in flight, a relayed request is
/// refused before routing, before its endpoint, its key lookup or its body, with a 503 whose bytes were made once per
/// surface (the envelope of <see cref="NodeAdmission.Overloaded"/>, <c>Retry-After</c>, a Content-Length). Under a
/// tenfold overload the node answers mostly refusals, and each one's cost is what admitted requests wait behind
/// (docs/admission-control.md). The gate only reads the count: the place itself is taken by
/// <see cref="SurfaceRequest"/>, which still refuses a request let through here when the last places went meanwhile.
/// Only the relayed paths are gated (POST to a surface's relay endpoint; the path ignoring case as routing does, Gemini's
/// method as its endpoint reads it); anything else passes.</summary>
internal static class AdmissionGate
{
    private static readonly StringValues RetryAfter = new(AdmissionSettings.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static IApplicationBuilder UseAdmissionGate(this IApplicationBuilder app)
    {
        var node = app.ApplicationServices.GetRequiredService<NodeAdmission>();
        var openai = Refusal(SurfaceRegistry.OpenAI);
        var anthropic = Refusal(SurfaceRegistry.Anthropic);
        var gemini = Refusal(SurfaceRegistry.Gemini);
        return app.Use(next => http =>
        {
            if (!node.AtInFlightBound)
            {
                return next(http);
            }

            byte[]? refusal = RelayedSurface(http.Request, openai, anthropic, gemini);
            return refusal is null ? next(http) : RefuseAsync(node, http, refusal);
        });
    }

    /// <summary>The surface's refusal bytes for a relayed request (null for any other request).</summary>
    private static byte[]? RelayedSurface(HttpRequest request, byte[] openai, byte[] anthropic, byte[] gemini)
    {
        if (!HttpMethods.IsPost(request.Method))
        {
            return null;
        }

        var path = request.Path;
        if (path.Equals("/v1/chat/completions", StringComparison.OrdinalIgnoreCase) || path.Equals("/v1/embeddings", StringComparison.OrdinalIgnoreCase)
            || path.Equals("/v1/completions", StringComparison.OrdinalIgnoreCase) || path.Equals("/v1/responses", StringComparison.OrdinalIgnoreCase)
            || MediaEndpoints.Serves(path))
        {
            return openai;
        }

        if (path.Equals("/v1/messages", StringComparison.OrdinalIgnoreCase) || path.Equals("/v1/messages/count_tokens", StringComparison.OrdinalIgnoreCase))
        {
            return anthropic;
        }

        // Gemini's model and method are in the path; methods the endpoint does not serve get its 404 at any load.
        return path.StartsWithSegments("/v1beta/models", StringComparison.OrdinalIgnoreCase, out var rest) && rest.Value is { } target
            && (target.EndsWith(":generateContent", StringComparison.Ordinal) || target.EndsWith(":streamGenerateContent", StringComparison.Ordinal)
                || target.EndsWith(":countTokens", StringComparison.Ordinal) || target.EndsWith(":embedContent", StringComparison.Ordinal)
                || target.EndsWith(":batchEmbedContents", StringComparison.Ordinal))
            ? gemini
            : null;
    }

    private static Task RefuseAsync(NodeAdmission node, HttpContext http, byte[] refusal)
    {
        node.NoteRefusedInFlight();
        var response = http.Response;
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.ContentType = "application/json";
        response.ContentLength = refusal.Length;
        response.Headers.RetryAfter = RetryAfter;
        var write = response.BodyWriter.WriteAsync(refusal, http.RequestAborted);
        return write.IsCompletedSuccessfully ? Task.CompletedTask : FinishAsync(write);
    }

    private static async Task FinishAsync(ValueTask<System.IO.Pipelines.FlushResult> write)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client went away; nothing left to tell it.
        }
    }

    private static byte[] Refusal(Candor.Core.Relay.Surface surface)
    {
        var output = new ArrayBufferWriter<byte>(256);
        surface.WriteError(NodeAdmission.Overloaded("requests in flight"), output);
        return output.WrittenSpan.ToArray();
    }
}
