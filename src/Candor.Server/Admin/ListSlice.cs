using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Candor.Server.Admin.Contracts;

namespace Candor.Server.Admin;

/// <summary>Server-side paging for the admin lists kept in memory (prices, channels, deployments): with
/// <c>limit</c> or <c>cursor</c> in the query the answer is one page ordered by a unique text key, with
/// <c>has_more</c> and <c>next_cursor</c> (the last key) like the stored lists; without them, the whole list as before.</summary>
internal static class ListSlice
{
    /// <summary>Writes the list, or the page the query asks for, as <see cref="AdminSlice{T}"/> of each item's record.</summary>
    public static Task WriteAsync<T, TView>(HttpContext http, IEnumerable<T> items, Func<T, string> key, Func<T, TView> view, JsonTypeInfo<AdminSlice<TView>> info)
    {
        var (page, next, paged) = Slice(http, items, key);
        return AdminHttp.WriteAsync(http, StatusCodes.Status200OK, new AdminSlice<TView>([.. page.Select(view)], paged ? next is not null : null, next), info);
    }

    /// <summary>Writes the list, or the page the query asks for.</summary>
    public static Task WriteAsync<T>(HttpContext http, IEnumerable<T> items, Func<T, string> key, Action<Utf8JsonWriter, T> write)
    {
        var (page, next, paged) = Slice(http, items, key);
        return AdminHttp.WriteListAsync(http, page, write, next, paged);
    }

    private static (List<T> Items, string? Next, bool Paged) Slice<T>(HttpContext http, IEnumerable<T> items, Func<T, string> key)
    {
        var query = http.Request.Query;
        if (!query.ContainsKey("limit") && !query.ContainsKey("cursor"))
        {
            return (items.ToList(), null, false);
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

        return (page, next, true);
    }
}
