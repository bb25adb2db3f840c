using System.Globalization;
using System.IO.Compression;
using Candor.Server.Admin;
using Candor.Transparency.Log;
using Candor.Transparency.Notes;

namespace Candor.Server.Transparency;

/// <summary>The public, read-only HTTP face of the transparency log (no authentication):
/// <list type="bullet">
/// <item><c>GET /log/checkpoint</c> — the latest signed checkpoint (c2sp.org/tlog-checkpoint), barely cacheable;</item>
/// <item><c>GET /log/tile/…</c> — hash tiles and entry bundles (c2sp.org/tlog-tiles), immutable;</item>
/// <item><c>GET /log/proof/{index}</c> — c2sp.org/tlog-proof for one entry under the latest checkpoint;</item>
/// <item><c>GET /log/proof/inclusion?index=I[&amp;size=N]</c> and <c>GET /log/proof/consistency?from=M[&amp;to=N]</c> — JSON.</item>
/// </list></summary>
internal static class LogEndpoints
{
    private const string Immutable = "public, max-age=31536000, immutable";
    private const string Mutable = "public, max-age=1, must-revalidate";

    /// <summary>Maps the log's resources when a log runs.</summary>
    public static void MapTransparencyLog(this WebApplication app)
    {
        if (app.Services.GetService<IPublishedLog>() is null)
        {
            return;
        }

        var group = app.MapGroup("/log");
        group.MapGet("/checkpoint", CheckpointAsync);
        group.MapGet("/tile/{**path}", TileAsync);
        group.MapGet("/proof/inclusion", InclusionAsync);
        group.MapGet("/proof/consistency", ConsistencyAsync);
        group.MapGet("/proof/{index}", ProofAsync);
    }

    private static async Task CheckpointAsync(HttpContext http, IPublishedLog log, CosignedCheckpoint cosigned)
    {
        http.Response.ContentType = "text/plain; charset=utf-8";
        http.Response.Headers.CacheControl = Mutable;
        await http.Response.Body.WriteAsync(cosigned.For(log.Checkpoint), http.RequestAborted).ConfigureAwait(false);
    }

    private static async Task TileAsync(HttpContext http, IPublishedLog log, string path)
    {
        if (log.IsDamaged("tile/" + path))
        {
            // Candor's own check of the tree found this file changed; a verifier would be handed bytes that fail.
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status503ServiceUnavailable, "api_error", "This tile or entry bundle failed Candor's own check of the log; the operator must restore it.").ConfigureAwait(false);
            return;
        }

        if (await log.ReadResourceAsync("tile/" + path, http.RequestAborted).ConfigureAwait(false) is not { } bytes)
        {
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status404NotFound, "not_found_error", "No such tile or entry bundle.").ConfigureAwait(false);
            return;
        }

        http.Response.ContentType = "application/octet-stream";
        http.Response.Headers.CacheControl = Immutable;
        if (path.StartsWith("entries/", StringComparison.Ordinal))
        {
            // tlog-tiles: entry bundles SHOULD be compressed at the HTTP layer (hash tiles are not: hashes do not
            // compress). gzip when the client accepts it, identity otherwise.
            http.Response.Headers.Vary = "Accept-Encoding";
            if (AcceptsGzip(http.Request))
            {
                http.Response.Headers.ContentEncoding = "gzip";
                var gzip = new GZipStream(http.Response.Body, CompressionLevel.Fastest, leaveOpen: true);
                await using (gzip.ConfigureAwait(false))
                {
                    await gzip.WriteAsync(bytes, http.RequestAborted).ConfigureAwait(false);
                }

                return;
            }
        }

        http.Response.ContentLength = bytes.Length;
        await http.Response.Body.WriteAsync(bytes, http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>True when the request's <c>Accept-Encoding</c> lists gzip with a weight above zero.</summary>
    private static bool AcceptsGzip(HttpRequest request)
    {
        foreach (var value in request.GetTypedHeaders().AcceptEncoding)
        {
            if (value.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) && value.Quality is not 0)
            {
                return true;
            }
        }

        return false;
    }

    private static async Task ProofAsync(HttpContext http, IPublishedLog log, CosignedCheckpoint cosigned, string index)
    {
        if (!long.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out long leaf))
        {
            await BadRequestAsync(http, "The entry index must be a non-negative integer.").ConfigureAwait(false);
            return;
        }

        long size = log.Size;
        if (leaf >= size)
        {
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status404NotFound, "not_found_error",
                $"Entry {leaf} is not covered by the latest checkpoint (size {size}); it is within the maximum merge delay of {log.MaxMergeDelay.TotalMilliseconds:0} ms after its append.").ConfigureAwait(false);
            return;
        }

        var (proof, checkpoint, _) = log.InclusionProof(leaf);
        http.Response.ContentType = "text/plain; charset=utf-8";
        http.Response.Headers.CacheControl = Mutable;
        await http.Response.Body.WriteAsync(new TlogProof(leaf, proof, cosigned.For(checkpoint)).ToBytes(), http.RequestAborted).ConfigureAwait(false);
    }

    private static async Task InclusionAsync(HttpContext http, IPublishedLog log)
    {
        long latest = log.Size;
        if (Number(http, "index") is not { } index || Number(http, "size", latest) is not { } size)
        {
            await BadRequestAsync(http, "index (and optional size) must be non-negative integers.").ConfigureAwait(false);
            return;
        }

        if (size > latest || index >= size)
        {
            await BadRequestAsync(http, $"Need index < size <= {latest} (the latest checkpoint's size).").ConfigureAwait(false);
            return;
        }

        var (proof, root) = log.InclusionProof(index, size);
        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("index", index);
            w.WriteNumber("tree_size", size);
            w.WriteBase64String("root_hash", root);
            WriteHashes(w, proof);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task ConsistencyAsync(HttpContext http, IPublishedLog log)
    {
        long latest = log.Size;
        if (Number(http, "from") is not { } from || Number(http, "to", latest) is not { } to)
        {
            await BadRequestAsync(http, "from (and optional to) must be non-negative integers.").ConfigureAwait(false);
            return;
        }

        if (to > latest || from > to)
        {
            await BadRequestAsync(http, $"Need from <= to <= {latest} (the latest checkpoint's size).").ConfigureAwait(false);
            return;
        }

        var (proof, oldRoot, newRoot) = log.ConsistencyProof(from, to);
        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("from", from);
            w.WriteNumber("to", to);
            w.WriteBase64String("from_root", oldRoot);
            w.WriteBase64String("to_root", newRoot);
            WriteHashes(w, proof);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static void WriteHashes(System.Text.Json.Utf8JsonWriter w, List<byte[]> proof)
    {
        w.WriteStartArray("proof");
        foreach (byte[] hash in proof)
        {
            w.WriteBase64StringValue(hash);
        }

        w.WriteEndArray();
    }

    private static long? Number(HttpContext http, string name, long? fallback = null)
    {
        string? value = http.Request.Query[name];
        if (value is null)
        {
            return fallback;
        }

        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : null;
    }

    private static Task BadRequestAsync(HttpContext http, string message) =>
        AdminHttp.WriteErrorAsync(http, StatusCodes.Status400BadRequest, "invalid_request_error", message);
}
