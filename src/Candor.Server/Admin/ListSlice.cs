using System.Text.Json;

namespace Candor.Server.Admin;

/// <summary>Server-side paging for the admin lists kept in memory (prices, channels, deployments): with
/// <c>limit</c> or <c>cursor</c> in the query the answer is one page ordered by a unique text key, with
/// <c>has_more</c> and <c>next_cursor</c> (the last key) like the stored lists; without them, the whole list as before.</summary>
internal static class ListSlice
{
    /// <summary>Writes the list, or the page the query asks for.</summary>
    public static Task WriteAsync<T>(HttpContext http, IEnumerable<T> items, Func<T, string> key, Action<Utf8JsonWriter, T> write)
    {
        var query = http.Request.Query;
        if (!query.ContainsKey("limit") && !query.ContainsKey("cursor"))
        {
            return AdminHttp.WriteListAsync(http, items.ToList(), write);
        }

        var (limit, cursor) = AdminHttp.Paging(http.Request);
        var page = items
            .Where(i => cursor is null || string.CompareOrdinal(key(i), cursor) > 0)
            .OrderBy(key, StringComparer.Ordinal)
            .Take(limit + 1)
            .ToList();
        string? next = null;
        if (page.Count > limit)
        {
            page.RemoveAt(page.Count - 1);
            next = key(page[^1]);
        }

        return AdminHttp.WriteListAsync(http, page, write, next, paged: true);
    }
}
