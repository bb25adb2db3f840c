using System.Collections.Frozen;
using System.Security.Cryptography;

namespace Candor.Server.WebConsole;

/// <summary>The console's files (plain HTML, CSS and JavaScript modules, no build step), embedded in the assembly
/// under <c>console/</c> and served from memory with the console's security headers and an ETag. Nothing is fetched
/// from anywhere else: no CDN, no external fonts.</summary>
internal static class ConsoleAssets
{
    private const string Prefix = "console/";

    private static readonly FrozenDictionary<string, Asset> Files = Load();

    /// <summary>Serves <c>/console</c> (the page) and <c>/console/{file}</c>.</summary>
    public static async Task ServeAsync(HttpContext http)
    {
        string file = http.Request.RouteValues["file"] as string ?? "";
        if (file.Length == 0)
        {
            file = "index.html";
        }

        ConsoleHeaders.Apply(http);
        if (!Files.TryGetValue(file, out var asset))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync("Not found.", http.RequestAborted).ConfigureAwait(false);
            return;
        }

        http.Response.Headers.ETag = asset.ETag;
        http.Response.Headers.CacheControl = "no-cache";
        if (http.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
        {
            http.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        http.Response.ContentType = asset.ContentType;
        http.Response.ContentLength = asset.Bytes.Length;
        await http.Response.Body.WriteAsync(asset.Bytes, http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The names of the embedded files, relative to <c>/console/</c>.</summary>
    public static IEnumerable<string> Names => Files.Keys;

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var files = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (string name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            byte[] bytes = copy.ToArray();
            string etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 8)) + "\"";
            files[name[Prefix.Length..]] = new Asset(bytes, ContentType(name), etag);
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".json" => "application/json",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
