using System.Security.Cryptography;
using System.Text;
using Candor.Core.WebConsole;

namespace Candor.Server.WebConsole;

/// <summary>Console sessions: a 256-bit random token in an HttpOnly, SameSite=Strict cookie (Secure over HTTPS); the
/// store keeps only its SHA-256. Every sign-in issues a new token (a token the client already had is never adopted),
/// so a planted cookie cannot become a signed-in session. The CSRF token is derived from the session token
/// (HMAC-SHA256), so it changes with every session and needs no storage.</summary>
internal sealed class ConsoleSessions(IConsoleStore store, TimeProvider time)
{
    /// <summary>The session cookie's name.</summary>
    public const string CookieName = "candor_session";

    /// <summary>The header a state-changing console request must echo the CSRF token in.</summary>
    public const string CsrfHeader = "x-candor-csrf";

    /// <summary>How long a session lasts from sign-in (absolute; there is no sliding renewal).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    private static readonly byte[] CsrfLabel = "candor-console-csrf-v1"u8.ToArray();

    /// <summary>The store behind the sessions.</summary>
    public IConsoleStore Store => store;

    /// <summary>Starts a session for the principal and sets its cookie; ends the session the request presented, if any.</summary>
    public async Task<string> StartAsync(HttpContext http, string principal)
    {
        if (http.Request.Cookies[CookieName] is { Length: > 0 } previous)
        {
            await store.DeleteSessionAsync(HashToken(previous), http.RequestAborted).ConfigureAwait(false);
        }

        string token = NewToken();
        var now = time.GetUtcNow();
        await store.CreateSessionAsync(new ConsoleSession(HashToken(token), principal, now, now + Lifetime), http.RequestAborted).ConfigureAwait(false);
        http.Response.Cookies.Append(CookieName, token, CookieOptions(http, now + Lifetime));
        return token;
    }

    /// <summary>The caller of the session the request's cookie names, or null (no cookie, unknown or expired session,
    /// or a login that no longer exists).</summary>
    public async Task<ConsoleCaller?> ResolveAsync(HttpContext http)
    {
        if (http.Request.Cookies[CookieName] is not { Length: > 0 and <= 128 } token)
        {
            return null;
        }

        var session = await store.GetSessionAsync(HashToken(token), time.GetUtcNow(), http.RequestAborted).ConfigureAwait(false);
        if (session is null)
        {
            return null;
        }

        var login = await store.GetLoginAsync(session.Principal, http.RequestAborted).ConfigureAwait(false);
        return login is null ? null : new ConsoleCaller(login.Principal, login.IsOperator, token);
    }

    /// <summary>Ends the caller's session and clears its cookie.</summary>
    public async Task EndAsync(HttpContext http, ConsoleCaller caller)
    {
        await store.DeleteSessionAsync(HashToken(caller.SessionToken), http.RequestAborted).ConfigureAwait(false);
        http.Response.Cookies.Delete(CookieName, CookieOptions(http, null));
    }

    /// <summary>The CSRF token of a session.</summary>
    public static string CsrfToken(string sessionToken) =>
        Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(sessionToken), CsrfLabel));

    /// <summary>Why a state-changing request of this session is refused (a cross-origin request, a missing or wrong
    /// CSRF token), or null when it may proceed. Safe methods (GET, HEAD) pass.</summary>
    public static string? CsrfProblem(HttpContext http, ConsoleCaller caller)
    {
        if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
        {
            return null;
        }

        if (OriginProblem(http) is { } origin)
        {
            return origin;
        }

        string presented = http.Request.Headers[CsrfHeader].ToString();
        string expected = CsrfToken(caller.SessionToken);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(presented), Encoding.ASCII.GetBytes(expected))
            ? null
            : "the CSRF token is missing or wrong";
    }

    /// <summary>Why the request's <c>Origin</c> is not this server's own, or null. Browsers send <c>Origin</c> on every
    /// request that is not a GET or HEAD; a request without one is refused.</summary>
    public static string? OriginProblem(HttpContext http)
    {
        string origin = http.Request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return "the Origin header is missing";
        }

        string own = http.Request.Scheme + "://" + http.Request.Host.Value;
        return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase) ? null : "the request comes from another origin";
    }

    /// <summary>SHA-256 of a token, hex: what the store keeps.</summary>
    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>A new 256-bit random token, base64url.</summary>
    public static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    private static string Base64Url(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    private static CookieOptions CookieOptions(HttpContext http, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = http.Request.IsHttps,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}
