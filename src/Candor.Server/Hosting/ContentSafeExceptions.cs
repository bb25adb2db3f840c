using Candor.Core;
using Candor.Core.Relay;

namespace Candor.Server.Hosting;

/// <summary>The outermost middleware: an exception that escapes a handler is logged by type only (its message may
/// quote the request: a JSON fragment, a model name, an upstream's error text) and answered with a bare 500, so
/// the host's own "unhandled exception" log entry, which prints the message, never runs.</summary>
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
}
