using Candor.Core.Accounts;
using Candor.Core.WebConsole;
using Candor.Server.Admin.Contracts;
using Candor.Server.WebConsole;

namespace Candor.Server.Admin;

/// <summary>An account's usage records: list (paged, newest first, filtered by time, model, outcome or key —
/// <see cref="UsageQuery"/>), get one by request id. A console member sees only its own keys' records.
/// CLI: <c>candor usage</c>; a key owner reads the same shape at <c>GET /v1/usage</c>.</summary>
internal static class UsageEndpoints
{
    public static void MapUsage(this RouteGroupBuilder admin)
    {
        admin.MapGet("/accounts/{accountId}/usage", AdminEndpoints.Guard(ListAsync))
            .Operation("listUsage", "List an account's usage records, newest first.")
            .Query([AdminQueryParameter.Limit, AdminQueryParameter.Cursor, .. UsageQuery.Parameters])
            .Returns<AdminPage<UsageView>>(StatusCodes.Status200OK, "A page of usage records.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        admin.MapGet("/accounts/{accountId}/usage/{requestId}", AdminEndpoints.Guard(GetAsync))
            .Operation("getUsage", "Get the usage record of one request.")
            .Returns<UsageView>(StatusCodes.Status200OK, "The usage record.")
            .Fails(StatusCodes.Status404NotFound);
    }

    private static async Task ListAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        var (limit, cursor) = AdminHttp.Paging(http.Request);
        var filter = UsageQuery.Read(http.Request) with { OwnerPrincipal = http.Features.Get<ConsoleKeyScope>()?.Principal };
        if (await http.RequestServices.GetRequiredService<IAccountStore>().GetAccountAsync(accountId, http.RequestAborted).ConfigureAwait(false) is null)
        {
            await AdminHttp.NotFoundAsync(http, "account").ConfigureAwait(false);
            return;
        }

        var page = await http.RequestServices.GetRequiredService<IUsageReports>().ListUsageFilteredAsync(accountId, filter, limit, cursor, http.RequestAborted).ConfigureAwait(false);
        await AdminHttp.WritePageAsync(http, page, UsageView.From, AdminJsonContext.Default.AdminPageUsageView).ConfigureAwait(false);
    }

    private static async Task GetAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        string requestId = AdminHttp.Route(http, "requestId");
        var usage = await http.RequestServices.GetRequiredService<ILedgerStore>().GetUsageAsync(accountId, requestId, http.RequestAborted).ConfigureAwait(false);
        if (usage is not null && http.Features.Get<ConsoleKeyScope>() is { } scope
            && await http.RequestServices.GetRequiredService<IKeyOwners>().GetKeyOwnerAsync(accountId, usage.KeyId, http.RequestAborted).ConfigureAwait(false) != scope.Principal)
        {
            usage = null; // another member's request: as unknown to this member as any other
        }

        if (usage is null)
        {
            await AdminHttp.NotFoundAsync(http, "usage record").ConfigureAwait(false);
            return;
        }

        await AdminHttp.WriteAsync(http, StatusCodes.Status200OK, UsageView.From(usage), AdminJsonContext.Default.UsageView).ConfigureAwait(false);
    }
}
