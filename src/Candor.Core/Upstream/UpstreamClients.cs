using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Candor.Core.Upstream;

/// <summary>HTTP clients for upstreams, one connection pool per distinct connect timeout, shared by all
/// snapshots so that a reload keeps warm connections. They are <see cref="HttpMessageInvoker"/>s, as YARP's forwarder
/// uses: <see cref="HttpClient"/> adds nothing the relay uses (no base address, no default headers, no timeout: the
/// relay's timers are per channel and phase) and costs a linked <see cref="CancellationTokenSource"/> and one more async
/// state machine per request. They send no trace context: .NET would otherwise add
/// <c>traceparent</c>, <c>tracestate</c> and <c>baggage</c> to every upstream request, continuing the client's own
/// trace id and copying the client's baggage (which may hold user ids or e-mail addresses) past redaction.</summary>
internal sealed class UpstreamClients : IDisposable
{
    private readonly ConcurrentDictionary<TimeSpan, HttpMessageInvoker> _clients = new();
    private readonly HttpMessageHandler? _handler;

    public UpstreamClients()
    {
    }

    /// <summary>Clients that all send through <paramref name="handler"/>, which the caller owns: a scripted upstream
    /// for the relay's unit tests.</summary>
    internal UpstreamClients(HttpMessageHandler handler) => _handler = handler;

    public HttpMessageInvoker For(TimeSpan connectTimeout) => _handler is { } handler
        ? _clients.GetOrAdd(connectTimeout, static (_, h) => new HttpMessageInvoker(h, disposeHandler: false), handler)
        : _clients.GetOrAdd(connectTimeout, static t => new HttpMessageInvoker(new SocketsHttpHandler
    {
        ConnectTimeout = t,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        AllowAutoRedirect = false,
        MaxConnectionsPerServer = int.MaxValue,
        EnableMultipleHttp2Connections = true,
        ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
    }, disposeHandler: true));

    public void Dispose()
    {
        foreach (var c in _clients.Values)
        {
            c.Dispose();
        }
    }
}
