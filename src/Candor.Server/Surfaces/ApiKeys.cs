using Candor.Core.Accounts;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;

namespace Candor.Server.Surfaces;

/// <summary>Finds the client's key wherever its SDK puts it (Authorization: Bearer, x-api-key,
/// x-goog-api-key, api-key, or Gemini's ?key=) and checks it. A bad or missing key gets the same 401
/// in the surface's envelope, after the same work.</summary>
internal static class ApiKeys
{
    public static async Task<bool> AuthenticateAsync(HttpContext http, Surface surface, SnapshotHolder snapshots)
    {
        var presented = Find(http.Request);
        if (snapshots.Current.Keys.TryAuthenticate(presented, out _))
        {
            return true;
        }

        // Stored keys (when a data directory is configured); the relay wiring replaces this with full admission.
        if (http.RequestServices.GetService<ApiKeyCache>() is { } stored
            && stored.TryResolve(presented, http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(), out _))
        {
            return true;
        }

        http.Response.Headers.WWWAuthenticate = "Bearer";
        await ResponseWriter.WriteErrorAsync(http, surface, RelayError.Unauthorized()).ConfigureAwait(false);
        return false;
    }

    private static ReadOnlySpan<char> Find(HttpRequest request)
    {
        var headers = request.Headers;
        string? auth = headers.Authorization;
        if (auth is not null && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return auth.AsSpan(7).Trim();
        }

        foreach (var name in (ReadOnlySpan<string>)["x-api-key", "x-goog-api-key", "api-key"])
        {
            string? v = headers[name];
            if (!string.IsNullOrEmpty(v))
            {
                return v.AsSpan().Trim();
            }
        }

        return request.Query["key"].ToString();
    }
}
