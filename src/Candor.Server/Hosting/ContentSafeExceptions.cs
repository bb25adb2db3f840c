using Candor.Core;
using Candor.Core.Admission;
using Candor.Core.Relay;

namespace Candor.Server.Hosting;

/// <summary>The outermost middleware: an exception that escapes a handler is logged by type only (its message may
/// quote the request: a JSON fragment, a model name, an upstream's error text) and answered with a bare 500, so
/// the host's own "unhandled exception" log entry, which prints the message, never runs. A failure of the store itself
/// is not a bug but an outage: it is answered 503 <c>store_unavailable</c> in the client's envelope instead.</summary>
internal static class ContentSafeExceptions
{
    public static IApplicationBuilder UseContentSafeExceptions(this IApplicationBuilder app) =>
        app.Use(static async (HttpContext http, RequestDelegate next) =>
        {
            try
            {
                await next(http).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
            {
                var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Candor.Server");
                string requestId = http.Response.Headers[RelayHeaders.RequestId].ToString() is { Length: > 0 } id ? id : "-";
                // Only the database's own exceptions: an IOException of the client's connection is no store outage.
                if (e is System.Data.Common.DbException && Storage.RelationalStore.IsUnavailable(e) && !http.Response.HasStarted)
                {
                    await StoreUnavailableAsync(http, e).ConfigureAwait(false);
                    return;
                }

                logger.UnhandledException(requestId, e.GetType().Name, http.GetEndpoint()?.DisplayName ?? "-");
                if (!http.Response.HasStarted)
                {
                    http.Response.Clear();
                    http.Response.StatusCode = StatusCodes.Status500InternalServerError;
                }
                else
                {
                    http.Abort();
                }
            }
            catch (OperationCanceledException)
            {
                // The client left; nothing to answer.
            }
        });

    /// <summary>A failure of the store itself (PostgreSQL unreachable, a full disk) that no handler turned into its own
    /// answer: fail closed as every store failure on the request path does (docs/fail-closed.md), with 503, Retry-After and
    /// <c>store_unavailable</c> in the client's own envelope (the surface the request came in on; OpenAI's otherwise), and
    /// the store marked failing so that the next requests are refused before they start.</summary>
    private static async Task StoreUnavailableAsync(HttpContext http, Exception error)
    {
        http.RequestServices.GetService<StoreHealth>()?.Failed("request", error);
        http.Response.Clear();
        await Surfaces.ResponseWriter.WriteErrorAsync(http, http.Features.Get<Surface>() ?? Surfaces.SurfaceRegistry.OpenAI, StoreHealth.Unavailable()).ConfigureAwait(false);
    }
}
