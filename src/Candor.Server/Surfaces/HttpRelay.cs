using Candor.Core.Relay;

namespace Candor.Server.Surfaces;

/// <summary>Where the server meets the relay: a <see cref="RelayContext"/> for an HTTP request, and the request back
/// from a context the server made.</summary>
internal static class HttpRelay
{
    /// <summary>A relayed request's context over <paramref name="http"/> (<see cref="HttpResponsePort"/>).</summary>
    /// <remarks>With traces on, the request's span starts here and ends when the response is done.</remarks>
    public static RelayContext Context(HttpContext http, string surfaceName)
    {
        if (Core.CandorTracing.StartRequest(surfaceName) is { } span)
        {
            http.Response.RegisterForDispose(span);
        }

        return new(new HttpResponsePort(http), surfaceName);
    }

    /// <summary>The HTTP request of a context made by <see cref="Context"/>.</summary>
    public static HttpContext Http(this RelayContext context) => ((HttpResponsePort)context.Port).Http;
}
