using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;

namespace Candor.Server.Hosting;

/// <summary>Gemini's <c>?key=</c>, taken out of the request target before anything sees it. ASP.NET's hosting
/// diagnostics log the full URL ("Request starting … ?key=…") before any middleware runs, and other loggers and
/// traces quote it too, so the key is moved out where the server hands the request to the application (<see
/// cref="Server"/>): the <c>key</c> parameter is removed from the query string and the raw target, and kept in this
/// feature, where <c>ApiKeys</c> reads it. No log, at any level, can then hold it.</summary>
internal sealed class QueryKey(string value)
{
    /// <summary>The key the query string carried.</summary>
    public string Value { get; } = value;

    /// <summary>Wraps the registered server (Kestrel) so that every request passes through <see cref="MoveOut"/>.</summary>
    public static void AddTo(IServiceCollection services)
    {
        var kestrel = services.Last(static d => d.ServiceType == typeof(IServer));
        services.Remove(kestrel);
        services.AddSingleton<IServer>(sp => new Server((IServer)(kestrel.ImplementationInstance
            ?? kestrel.ImplementationFactory?.Invoke(sp)
            ?? ActivatorUtilities.CreateInstance(sp, kestrel.ImplementationType!))));
    }

    /// <summary>Removes every <c>key</c> parameter from the request's query string and raw target and sets the first
    /// one's value as the <see cref="QueryKey"/> feature.</summary>
    public static void MoveOut(IFeatureCollection features)
    {
        var request = features.Get<IHttpRequestFeature>();
        if (request is null || request.QueryString.Length < 5 || !request.QueryString.Contains("key", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        string? key = null;
        var kept = new List<string>();
        foreach (string pair in request.QueryString.TrimStart('?').Split('&'))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            string name = Uri.UnescapeDataString((equals < 0 ? pair : pair[..equals]).Replace('+', ' '));
            if (string.Equals(name, "key", StringComparison.OrdinalIgnoreCase))
            {
                key ??= equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
            }
            else
            {
                kept.Add(pair);
            }
        }

        if (key is null)
        {
            return;
        }

        string query = kept.Count == 0 ? "" : "?" + string.Join('&', kept);
        request.QueryString = query;
        int mark = request.RawTarget.IndexOf('?', StringComparison.Ordinal);
        if (mark >= 0)
        {
            request.RawTarget = request.RawTarget[..mark] + query;
        }

        features.Set(new QueryKey(key));
    }

    /// <summary>The server as registered, with <see cref="MoveOut"/> run as each request's context is created.</summary>
    private sealed class Server(IServer inner) : IServer
    {
        public IFeatureCollection Features => inner.Features;

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull =>
            inner.StartAsync(new Application<TContext>(application), cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => inner.StopAsync(cancellationToken);

        public void Dispose() => inner.Dispose();
    }

    private sealed class Application<TContext>(IHttpApplication<TContext> inner) : IHttpApplication<TContext>
        where TContext : notnull
    {
        public TContext CreateContext(IFeatureCollection contextFeatures)
        {
            MoveOut(contextFeatures);
            return inner.CreateContext(contextFeatures);
        }

        public Task ProcessRequestAsync(TContext context) => inner.ProcessRequestAsync(context);

        public void DisposeContext(TContext context, Exception? exception) => inner.DisposeContext(context, exception);
    }
}
