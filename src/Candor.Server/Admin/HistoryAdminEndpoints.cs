using System.Globalization;
using Candor.Core.Accounts;
using Candor.Core.Privacy;
using Candor.Server.Admin.Contracts;

namespace Candor.Server.Admin;

/// <summary><c>GET /admin/v1/accounts/{accountId}/history?limit=N[&amp;cursor=…]</c>: one page of N entries (1–100,
/// default 20), newest first, with <c>has_more</c>/<c>next_cursor</c> when there is more, of the account's opt-in encrypted history, decrypted with the account's data key, as <c>GET /v1/history</c> gives a key
/// holder. Empty when the account has no history or the server keeps none. Erasing is
/// <c>DELETE /admin/v1/accounts/{accountId}/history</c> (docs/privacy.md).</summary>
internal static class HistoryAdminEndpoints
{
    private const int DefaultLimit = 20;

    private const int MaxLimit = 100;

    public static void MapHistoryAdmin(this RouteGroupBuilder admin) =>
        admin.MapGet("/accounts/{accountId}/history", AdminEndpoints.Guard(ListAsync))
            .Operation("listHistory", "The newest entries of the account's opt-in encrypted history, decrypted.")
            .Query(new AdminQueryParameter("limit", $"How many entries, 1 to {MaxLimit} (default {DefaultLimit}).", "integer"), AdminQueryParameter.Cursor)
            .Returns<HistoryListView>(StatusCodes.Status200OK, "The entries, newest first.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

    private static async Task ListAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        int limit = DefaultLimit;
        if (http.Request.Query["limit"].ToString() is { Length: > 0 } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            throw new AdminInputException("limit", $"limit must be an integer from 1 to {MaxLimit}.");
        }

        if (await http.RequestServices.GetRequiredService<IAccountStore>().GetAccountAsync(accountId, http.RequestAborted).ConfigureAwait(false) is null)
        {
            await AdminHttp.NotFoundAsync(http, "account").ConfigureAwait(false);
            return;
        }

        string? cursor = http.Request.Query["cursor"].ToString() is { Length: > 0 } after ? after : null;
        var recorder = http.RequestServices.GetService<HistoryRecorder>();
        var page = recorder is null ? new Page<byte[]>([], null) : await recorder.ExportPageAsync(accountId, limit, cursor, http.RequestAborted).ConfigureAwait(false);
        await WriteListAsync(http, accountId, page.Items, page.NextCursor, paged: true).ConfigureAwait(false);
    }

    /// <summary>Writes decrypted history entries as <c>{"object":"list","account_id",…,"data":[…]}</c> (also the shape
    /// of <c>GET /v1/history</c>), with <c>has_more</c> and <c>next_cursor</c> when <paramref name="paged"/>.</summary>
    public static Task WriteListAsync(HttpContext http, string accountId, IReadOnlyList<byte[]> entries, string? nextCursor = null, bool paged = false) =>
        AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("object", "list");
            w.WriteString("account_id", accountId);
            w.WriteStartArray("data");
            foreach (var entry in entries)
            {
                w.WriteRawValue(entry, skipInputValidation: true);
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
}
