using Candor.Core.Relay;
using Candor.Protocols.Canonical;

namespace Candor.Server.Surfaces;

/// <summary>Core's <see cref="Candor.Core.Relay.ResponseWriter"/> for the endpoints that answer before (or without) a
/// relay: the same envelope and flush, over the <see cref="HttpContext"/> they hold.</summary>
internal static class ResponseWriter
{
    public static Task WriteErrorAsync(HttpContext http, Surface surface, RelayError error) =>
        Candor.Core.Relay.ResponseWriter.WriteErrorAsync(new HttpResponsePort(http), surface, error);

    public static Task FlushAsync(HttpContext http) => Candor.Core.Relay.ResponseWriter.FlushAsync(new HttpResponsePort(http));
}
