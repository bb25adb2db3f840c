using Candor.Server.Admin;

namespace Candor.Server.WebConsole;

/// <summary>Admits an admin API request made with a console session cookie instead of an operator key: the session
/// must be live, a state change must come from this origin with the session's CSRF token, and
/// <see cref="ConsoleAccess"/> must allow the route. Called by <see cref="AdminAuth"/> when a request carries the
/// cookie and no Authorization header.</summary>
internal static class ConsoleGate
{
    /// <summary>True when the request carries a console session cookie.</summary>
    public static bool HasSessionCookie(HttpRequest request) => request.Cookies.ContainsKey(ConsoleSessions.CookieName);

    /// <summary>True when the session may make this request; otherwise writes 401 or 403 and returns false.</summary>
    public static async Task<bool> AuthorizeAsync(HttpContext http)
    {
        var sessions = http.RequestServices.GetService<ConsoleSessions>();
        var caller = sessions is null ? null : await sessions.ResolveAsync(http).ConfigureAwait(false);
        ConsoleHeaders.NoStore(http);
        if (caller is null)
        {
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status401Unauthorized, "authentication_error",
                "The console session has ended; sign in again.").ConfigureAwait(false);
            return false;
        }

        if (ConsoleSessions.CsrfProblem(http, caller) is { } problem)
        {
            http.RequestServices.GetRequiredService<ILogger<ConsoleSessions>>().CsrfRefused(Address(http), problem);
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status403Forbidden, "csrf_error",
                $"Refused: {problem}.").ConfigureAwait(false);
            return false;
        }

        if (!await ConsoleAccess.AllowsAsync(caller, http).ConfigureAwait(false))
        {
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status403Forbidden, "permission_error",
                "This console login may not use this route.").ConfigureAwait(false);
            return false;
        }

        http.Features.Set(caller);
        return true;
    }

    /// <summary>The client address for logs and throttling.</summary>
    public static string Address(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "-";
}
