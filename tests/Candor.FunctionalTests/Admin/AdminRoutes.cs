using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Candor.FunctionalTests.Admin;

/// <summary>The admin routes actually mapped in a running Candor, read from its endpoint data sources, so the
/// tests cover every route, including ones added later.</summary>
internal static class AdminRoutes
{
    public static IReadOnlyList<(string Method, string Pattern)> Mapped(WebApplication app) =>
        [.. ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(static d => d.Endpoints)
            .OfType<RouteEndpoint>()
            .Where(static e => e.RoutePattern.RawText?.StartsWith("/admin/v1", StringComparison.Ordinal) == true)
            .SelectMany(static e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => (m, e.RoutePattern.RawText!)))
            .Distinct()];

    /// <summary>The pattern with its parameters filled in.</summary>
    public static string Fill(string pattern, string accountId, string keyId, string principal = "someone@example.com", string requestId = "req_none") =>
        pattern.Replace("{accountId}", accountId, StringComparison.Ordinal)
            .Replace("{keyId}", keyId, StringComparison.Ordinal)
            .Replace("{principal}", Uri.EscapeDataString(principal), StringComparison.Ordinal)
            .Replace("{requestId}", requestId, StringComparison.Ordinal)
            .Replace("{model}", "gpt-4o", StringComparison.Ordinal)
            .Replace("{channel}", "oa", StringComparison.Ordinal)
            .Replace("{group}", "gold", StringComparison.Ordinal);
}
