using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Candor.Core.Accounts;
using Candor.Protocols.Codecs;
using Candor.Server.Admin.Contracts;

namespace Candor.Server.Admin;

/// <summary>Request reading and response writing shared by the admin resources: JSON bodies with a size cap and
/// a closed set of fields (a request record's), paging parameters, and responses written from the records of
/// <see cref="AdminJsonContext"/>.</summary>
internal static class AdminHttp
{
    /// <summary>The largest admin request body accepted; admin bodies are small.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>The page size used when the caller gives none.</summary>
    public const int DefaultLimit = 50;

    /// <summary>Writes a JSON response with the given status.</summary>
    public static async Task WriteJsonAsync(HttpContext http, int status, Action<Utf8JsonWriter> write)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(http.Response.BodyWriter))
        {
            write(writer);
        }

        await http.Response.BodyWriter.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Writes one of the admin records (<see cref="AdminJsonContext"/>) with the given status.</summary>
    public static Task WriteAsync<T>(HttpContext http, int status, T value, JsonTypeInfo<T> info) =>
        WriteJsonAsync(http, status, w => JsonSerializer.Serialize(w, value, info));

    /// <summary>Writes <c>{"error":{"type","message"[,"param"]}}</c>.</summary>
    public static Task WriteErrorAsync(HttpContext http, int status, string type, string message, string? param = null) =>
        WriteAsync(http, status, new AdminError(new AdminErrorDetail(type, message, param)), AdminJsonContext.Default.AdminError);

    /// <summary>Writes a 404 naming what was not found.</summary>
    public static Task NotFoundAsync(HttpContext http, string what) =>
        WriteErrorAsync(http, StatusCodes.Status404NotFound, "not_found_error", $"No such {what}.");

    /// <summary>Writes a page of a stored list as <see cref="AdminPage{T}"/>, each item mapped to its record.</summary>
    public static Task WritePageAsync<TItem, TView>(HttpContext http, Page<TItem> page, Func<TItem, TView> view, JsonTypeInfo<AdminPage<TView>> info) =>
        WriteAsync(http, StatusCodes.Status200OK, AdminPage<TView>.Of([.. page.Items.Select(view)], page.NextCursor), info);

    /// <summary>Writes a whole list as <see cref="AdminList{T}"/>, each item mapped to its record.</summary>
    public static Task WriteListAsync<TItem, TView>(HttpContext http, IEnumerable<TItem> items, Func<TItem, TView> view, JsonTypeInfo<AdminList<TView>> info) =>
        WriteAsync(http, StatusCodes.Status200OK, new AdminList<TView>([.. items.Select(view)]), info);

    /// <summary>Writes a page as <c>{"data":[…],"has_more":bool[,"next_cursor"]}</c>.</summary>
    public static Task WritePageAsync<T>(HttpContext http, Page<T> page, Action<Utf8JsonWriter, T> writeItem) =>
        WriteListAsync(http, page.Items, writeItem, page.NextCursor, paged: true);

    /// <summary>Writes <c>{"data":[…]}</c>, with the paging fields when <paramref name="paged"/>.</summary>
    public static Task WriteListAsync<T>(HttpContext http, IReadOnlyList<T> items, Action<Utf8JsonWriter, T> writeItem, string? nextCursor = null, bool paged = false) =>
        WriteJsonAsync(http, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("data");
            foreach (var item in items)
            {
                writeItem(w, item);
            }

            w.WriteEndArray();
            if (paged)
            {
                w.WriteBoolean("has_more", nextCursor is not null);
                if (nextCursor is not null)
                {
                    w.WriteString("next_cursor", nextCursor);
                }
            }

            w.WriteEndObject();
        });

    /// <summary>The <c>limit</c> (1–100, default 50) and <c>cursor</c> query parameters.</summary>
    public static (int Limit, string? Cursor) Paging(HttpRequest request)
    {
        int limit = DefaultLimit;
        if (request.Query["limit"].ToString() is { Length: > 0 } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 100))
        {
            throw new AdminInputException("limit", "limit must be an integer from 1 to 100.");
        }

        string? cursor = request.Query["cursor"].ToString();
        return (limit, string.IsNullOrEmpty(cursor) ? null : cursor);
    }

    /// <summary>A route value (always present when the route matched).</summary>
    public static string Route(HttpContext http, string name) => http.Request.RouteValues[name] as string ?? "";

    /// <summary>Whether a string anywhere in <paramref name="value"/> holds U+0000: no stored text may (PostgreSQL's
    /// <c>text</c> refuses it, SQLite's C APIs cut it), so both stores refuse it alike, before anything is written.</summary>
    private static bool HoldsNul(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => (value.GetString() ?? "").Contains('\0', StringComparison.Ordinal),
        JsonValueKind.Array => value.EnumerateArray().Any(HoldsNul),
        JsonValueKind.Object => value.EnumerateObject().Any(static p => p.Name.Contains('\0', StringComparison.Ordinal) || HoldsNul(p.Value)),
        _ => false,
    };

    /// <summary>Reads the body as a JSON object whose properties are all properties of the request record
    /// <paramref name="body"/> describes (the same set the OpenAPI document declares); see the overload below.</summary>
    public static Task<JsonDocument> ReadObjectAsync(HttpContext http, JsonTypeInfo body) =>
        ReadObjectAsync(http, [.. body.Properties.Select(static p => p.Name)]);

    /// <summary>Reads the body as a JSON object whose properties are all in <paramref name="allowed"/>; anything
    /// else (too large, not JSON, not an object, an unknown field) is refused with the field named.</summary>
    public static async Task<JsonDocument> ReadObjectAsync(HttpContext http, params string[] allowed)
    {
        if (http.Request.ContentLength > MaxBodyBytes)
        {
            throw new AdminInputException("body", $"The request body exceeds {MaxBodyBytes} bytes.");
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxBodyBytes + 1);
        try
        {
            int length = 0;
            int read;
            try
            {
                while (length <= MaxBodyBytes
                    && (read = await http.Request.Body.ReadAsync(buffer.AsMemory(length, MaxBodyBytes + 1 - length), http.RequestAborted).ConfigureAwait(false)) > 0)
                {
                    length += read;
                }
            }
            catch (BadHttpRequestException e)
            {
                // Kestrel's verdict on a body that stopped arriving (408) or ended early (400).
                throw new AdminInputException("body", e.StatusCode == StatusCodes.Status408RequestTimeout
                    ? "The request body did not arrive in time."
                    : "The request body ended before it was complete.") { StatusCode = e.StatusCode };
            }

            if (length > MaxBodyBytes)
            {
                throw new AdminInputException("body", $"The request body exceeds {MaxBodyBytes} bytes.");
            }

            if (!InvalidText.IsText(buffer.AsSpan(0, length)))
            {
                throw new AdminInputException("body", InvalidText.Error.Message);
            }

            JsonDocument document;
            try
            {
                // JsonDocument copies what it needs, so the pooled buffer can go back afterwards.
                document = JsonDocument.Parse(buffer.AsMemory(0, length).ToArray());
            }
            catch (JsonException)
            {
                throw new AdminInputException("body", "The request body is not valid JSON.");
            }


            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new AdminInputException("body", "The request body must be a JSON object.");
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (Array.IndexOf(allowed, property.Name) < 0)
                {
                    string name = property.Name;
                    document.Dispose();
                    throw new AdminInputException(name, $"Unknown field '{name}'.");
                }

                if (HoldsNul(property.Value))
                {
                    string name = property.Name;
                    document.Dispose();
                    throw new AdminInputException(name, $"{name} must not contain the character U+0000.");
                }
            }

            return document;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>How long a cache refresh after a write may take.</summary>
    private static readonly TimeSpan RefreshTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Applies the caller's own key changes to the key cache at once (admission sees them immediately).
    /// The refresh follows its own timeout, not the client's disconnect: a committed revoke must take effect even
    /// when the caller has gone.</summary>
    public static async Task RefreshKeysAsync(HttpContext http)
    {
        using var timeout = new CancellationTokenSource(RefreshTimeout);
        await http.RequestServices.GetRequiredService<ApiKeyCache>().RefreshAsync(timeout.Token).ConfigureAwait(false);
    }
}
