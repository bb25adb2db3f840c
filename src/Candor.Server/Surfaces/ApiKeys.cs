using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;

namespace Candor.Server.Surfaces;

/// <summary>Finds the client's key wherever its SDK puts it (Authorization: Bearer, x-api-key,
/// x-goog-api-key, api-key, or Gemini's ?key=) and checks it. A bad or missing key gets the same 401
/// in the surface's envelope, after the same work. With a data directory, stored keys resolve from the
/// in-memory <see cref="ApiKeyCache"/> too (both lookups always run), and a stored key used from an address
/// outside its allowed ranges gets 403. The resolved <see cref="Caller"/> is set as a request feature.</summary>
internal static class ApiKeys
{
    public static async Task<bool> AuthenticateAsync(HttpContext http, Surface surface, SnapshotHolder snapshots)
    {
        var billing = http.RequestServices.GetService<BillingGate>();
        bool configured = Resolve(Find(http.Request), snapshots.Current.Keys, billing, out string configName, out var stored);
        if (configured)
        {
            http.Features.Set(Caller.ForConfigKey(configName));
            return true;
        }

        if (stored is not null)
        {
            if (BillingGate.CheckAddress(stored, http.Connection.RemoteIpAddress) is { } refused)
            {
                await ResponseWriter.WriteErrorAsync(http, surface, refused).ConfigureAwait(false);
                return false;
            }

            http.Features.Set(new Caller(stored));
            return true;
        }

        http.Response.Headers.WWWAuthenticate = "Bearer";
        await ResponseWriter.WriteErrorAsync(http, surface, RelayError.Unauthorized()).ConfigureAwait(false);
        return false;
    }

    /// <summary>Applies a stored key's concurrency and requests-per-minute limits before its request's body is read
    /// (the <c>x-ratelimit-*</c> headers are set either way; a refusal is a 429 with Retry-After in the surface's
    /// envelope). The lease goes on the ticket, which frees it on every path, and is set as a request feature for
    /// <see cref="BillingGate.AdmitAsync"/> to add the tokens to. Configuration keys have no limits.</summary>
    public static async Task<bool> AdmitAsync(HttpContext http, Surface surface, AdmissionTicket ticket)
    {
        if (http.Features.Get<Caller>()?.Key is not { } key || http.RequestServices.GetService<IRateLimiter>() is not { } limiter)
        {
            return true;
        }

        var decision = await limiter.TryAcquireAsync(key.Id, new RateLimits(key.RpmLimit, key.TpmLimit, key.ConcurrencyLimit), http.RequestAborted).ConfigureAwait(false);
        RateLimiter.WriteHeaders(http.Response.Headers, static (headers, name, value) => headers[name] = value, decision);
        if (!decision.Allowed)
        {
            await ResponseWriter.WriteErrorAsync(http, surface, RateLimiter.Refusal(decision)).ConfigureAwait(false);
            return false;
        }

        ticket.Lease = decision.Lease;
        http.Features.Set(decision.Lease);
        return true;
    }

    /// <summary>Looks the presented key up among the configuration keys and, with a data directory, the stored keys.
    /// Both lookups always run, on one hash of the key when both sets are held under the same secret (the server's).</summary>
    private static bool Resolve(ReadOnlySpan<char> presented, KeySet keys, BillingGate? billing, out string configName, out ApiKeyRecord? stored)
    {
        Span<char> hash = stackalloc char[KeyHasher.HexLength];
        keys.Hasher.Hash(presented.IsEmpty ? "-" : presented, hash);
        bool configured = keys.TryAuthenticate(presented, hash, out configName);
        stored = null;
        if (billing is not null)
        {
            billing.TryResolve(presented, keys.Hasher, hash, out stored);
        }

        return configured;
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

        // Gemini's ?key= was moved out of the query string before any log could see it (Hosting.QueryKey).
        return request.HttpContext.Features.Get<Hosting.QueryKey>()?.Value;
    }
}
