using System.Collections.Concurrent;
using System.Net;

namespace Candor.Core.Upstream;

/// <summary>HTTP clients for upstreams, one connection pool per distinct connect timeout, shared by all
/// snapshots so that a reload keeps warm connections.</summary>
public sealed class UpstreamClients : IDisposable
{
    private readonly ConcurrentDictionary<TimeSpan, HttpClient> _clients = new();

    public HttpClient For(TimeSpan connectTimeout) => _clients.GetOrAdd(connectTimeout, static t => new HttpClient(new SocketsHttpHandler
    {
        ConnectTimeout = t,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        AllowAutoRedirect = false,
        MaxConnectionsPerServer = int.MaxValue,
        EnableMultipleHttp2Connections = true,
    })
    {
        // Timeouts are per channel and per phase, enforced by the relay with cancellation.
        Timeout = Timeout.InfiniteTimeSpan,
    });

    public void Dispose()
    {
        foreach (var c in _clients.Values)
        {
            c.Dispose();
        }
    }
}
