using Candor.Core.Accounts;

namespace Candor.Server.Admin;

/// <summary>Who may use the admin API: the bearer of a live platform operator key, or a web-console session as
/// <see cref="WebConsole.ConsoleGate"/> admits it. Keys resolve through the
/// in-memory <see cref="ApiKeyCache"/>, which hashes every presented key whether it exists or not, so a bad key
/// costs the same as a good one.</summary>
internal static class AdminAuth
{
    /// <summary>True when the request carries an operator key; otherwise writes 401 (no or unknown key) or 403
    /// (a valid key that is not an operator's) and returns false.</summary>
    public static async Task<bool> AuthorizeAsync(HttpContext http)
    {
        // The web console calls this same API with its session cookie instead of a key (docs/console.md).
        if (http.Request.Headers.Authorization.Count == 0 && WebConsole.ConsoleGate.HasSessionCookie(http.Request))
        {
            return await WebConsole.ConsoleGate.AuthorizeAsync(http).ConfigureAwait(false);
        }

        var cache = http.RequestServices.GetRequiredService<ApiKeyCache>();
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        if (!TryResolve(http.Request, cache, now, out var key))
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status401Unauthorized, "authentication_error",
                "A valid operator key is required in the Authorization: Bearer header.").ConfigureAwait(false);
            return false;
        }

        if (!key.IsOperator)
        {
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status403Forbidden, "permission_error",
                "This key may not use the admin API.").ConfigureAwait(false);
            return false;
        }

        return true;
    }

    private static bool TryResolve(HttpRequest request, ApiKeyCache cache, DateTimeOffset now, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ApiKeyRecord? key)
    {
        string? auth = request.Headers.Authorization;
        var presented = auth is not null && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? auth.AsSpan(7).Trim()
            : [];
        return cache.TryResolve(presented, now, out key);
    }
}
