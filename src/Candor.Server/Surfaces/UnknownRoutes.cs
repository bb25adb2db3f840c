using Candor.Core.Relay;
using Candor.Protocols.Canonical;
using Candor.Server.Admin;

namespace Candor.Server.Surfaces;

/// <summary>Answers a path no endpoint maps (404) and a method a mapped path does not take (405) in the envelope of
/// the surface the path belongs to, so that a client library shows a message instead of "404 (no body)":
/// <c>/admin/…</c> the admin envelope, <c>/v1/messages…</c> Anthropic's, <c>/v1beta/…</c> Gemini's, anything else
/// OpenAI's. Runs after routing; only an answer nothing has written is completed.</summary>
internal static class UnknownRoutes
{
    public static IApplicationBuilder UseUnknownRoutes(this IApplicationBuilder app) =>
        app.Use(static async (HttpContext http, RequestDelegate next) =>
        {
            await next(http).ConfigureAwait(false);
            var response = http.Response;
            if (response.HasStarted || http.RequestAborted.IsCancellationRequested)
            {
                return;
            }

            // 404 only when no endpoint ran (an endpoint's own 404 carries its body); a 405 is routing's "path matched,
            // method did not" (or ModelEndpoints' GET of a Gemini method path, which leaves the wording here).
            if (response.StatusCode == StatusCodes.Status405MethodNotAllowed)
            {
                await WriteAsync(http, StatusCodes.Status405MethodNotAllowed, RelayErrorKind.InvalidRequest,
                    $"Method {http.Request.Method} is not allowed for {http.Request.Path}.").ConfigureAwait(false);
            }
            else if (response.StatusCode == StatusCodes.Status404NotFound && http.GetEndpoint() is null)
            {
                await WriteAsync(http, StatusCodes.Status404NotFound, RelayErrorKind.NotFound,
                    $"Invalid URL ({http.Request.Method} {http.Request.Path}).").ConfigureAwait(false);
            }
        });

    private static Task WriteAsync(HttpContext http, int status, RelayErrorKind kind, string message)
    {
        var path = http.Request.Path;
        if (path.StartsWithSegments("/admin"))
        {
            return AdminHttp.WriteErrorAsync(http, status, kind == RelayErrorKind.NotFound ? "not_found_error" : "invalid_request_error", message);
        }

        var surface = path.StartsWithSegments("/v1/messages") ? SurfaceRegistry.Anthropic
            : path.StartsWithSegments("/v1beta") ? SurfaceRegistry.Gemini
            : SurfaceRegistry.OpenAI;
        return ResponseWriter.WriteErrorAsync(http, surface, new RelayError(RelayStage.Routing, kind, status, message));
    }
}
