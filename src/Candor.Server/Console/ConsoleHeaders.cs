namespace Candor.Server.WebConsole;

/// <summary>The security headers of every console response: a strict Content-Security-Policy (only this origin's
/// scripts, styles, images and fetches; no inline script or style, no framing, no plugins), no MIME sniffing, no
/// referrer.</summary>
internal static class ConsoleHeaders
{
    /// <summary>The Content-Security-Policy of console responses.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Sets the security headers.</summary>
    public static void Apply(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
    }

    /// <summary>Sets the security headers and forbids caching (session answers, anything with a token in it).</summary>
    public static void NoStore(HttpContext http)
    {
        Apply(http);
        http.Response.Headers.CacheControl = "no-store";
    }
}
