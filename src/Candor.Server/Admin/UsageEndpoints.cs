using Candor.Core.Accounts;

namespace Candor.Server.Admin;

/// <summary>An account's usage records: list (paged, newest first, optionally of one key), get one by request id.
/// CLI: <c>candor usage</c>; a key owner reads the same shape at <c>GET /v1/usage</c>.</summary>
internal static class UsageEndpoints
{
    public static void MapUsage(this RouteGroupBuilder admin)
    {
        admin.MapGet("/accounts/{accountId}/usage", AdminEndpoints.Guard(ListAsync));
        admin.MapGet("/accounts/{accountId}/usage/{requestId}", AdminEndpoints.Guard(GetAsync));
    }

    private static async Task ListAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        var (limit, cursor) = AdminHttp.Paging(http.Request);
        string? keyId = http.Request.Query["key_id"].ToString() is { Length: > 0 } k ? k : null;
        if (await http.RequestServices.GetRequiredService<IAccountStore>().GetAccountAsync(accountId, http.RequestAborted).ConfigureAwait(false) is null)
        {
            await AdminHttp.NotFoundAsync(http, "account").ConfigureAwait(false);
            return;
        }

        var page = await http.RequestServices.GetRequiredService<ILedgerStore>().ListUsageAsync(accountId, keyId, limit, cursor, http.RequestAborted).ConfigureAwait(false);
        await AdminHttp.WritePageAsync(http, page, AdminJson.Usage).ConfigureAwait(false);
    }

    private static async Task GetAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        string requestId = AdminHttp.Route(http, "requestId");
        var usage = await http.RequestServices.GetRequiredService<ILedgerStore>().GetUsageAsync(accountId, requestId, http.RequestAborted).ConfigureAwait(false);
        if (usage is null)
        {
            await AdminHttp.NotFoundAsync(http, "usage record").ConfigureAwait(false);
            return;
        }

        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w => AdminJson.Usage(w, usage)).ConfigureAwait(false);
    }
}
