using Candor.Core.Accounts;

namespace Candor.Server.Admin;

/// <summary>Accounts: create, list (paged, newest first), get, update name/group/disabled.
/// CLI: <c>candor accounts create|list</c>.</summary>
internal static class AccountEndpoints
{
    public static void MapAccounts(this RouteGroupBuilder admin)
    {
        admin.MapPost("/accounts", AdminEndpoints.Guard(CreateAsync));
        admin.MapGet("/accounts", AdminEndpoints.Guard(ListAsync));
        admin.MapGet("/accounts/{accountId}", AdminEndpoints.Guard(GetAsync));
        admin.MapPatch("/accounts/{accountId}", AdminEndpoints.Guard(UpdateAsync));
    }

    private static async Task CreateAsync(HttpContext http)
    {
        string name;
        string group;
        using (var body = await AdminHttp.ReadObjectAsync(http, "name", "group").ConfigureAwait(false))
        {
            name = AdminInput.RequiredString(body.RootElement, "name");
            group = AdminInput.OptionalString(body.RootElement, "group") ?? Account.DefaultGroup;
        }

        var account = await http.RequestServices.GetRequiredService<IAccountStore>().CreateAccountAsync(name, group, http.RequestAborted).ConfigureAwait(false);
        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status201Created, w => AdminJson.Account(w, account, 0)).ConfigureAwait(false);
    }

    private static async Task ListAsync(HttpContext http)
    {
        var (limit, cursor) = AdminHttp.Paging(http.Request);
        var page = await http.RequestServices.GetRequiredService<IAccountStore>().ListAccountsAsync(limit, cursor, http.RequestAborted).ConfigureAwait(false);
        var ledger = http.RequestServices.GetRequiredService<ILedgerStore>();
        var balances = new Dictionary<string, long>(page.Items.Count, StringComparer.Ordinal);
        foreach (var account in page.Items)
        {
            balances[account.Id] = await ledger.GetBalanceAsync(account.Id, http.RequestAborted).ConfigureAwait(false) ?? 0;
        }

        await AdminHttp.WritePageAsync(http, page, (w, a) => AdminJson.Account(w, a, balances[a.Id])).ConfigureAwait(false);
    }

    private static async Task GetAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        var account = await http.RequestServices.GetRequiredService<IAccountStore>().GetAccountAsync(accountId, http.RequestAborted).ConfigureAwait(false);
        await WriteAsync(http, account).ConfigureAwait(false);
    }

    private static async Task UpdateAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        string? name;
        string? group;
        bool? disabled;
        using (var body = await AdminHttp.ReadObjectAsync(http, "name", "group", "disabled").ConfigureAwait(false))
        {
            name = AdminInput.OptionalString(body.RootElement, "name");
            group = AdminInput.OptionalString(body.RootElement, "group");
            disabled = AdminInput.OptionalBool(body.RootElement, "disabled");
        }

        var account = await http.RequestServices.GetRequiredService<IAccountStore>()
            .UpdateAccountAsync(accountId, name, group, disabled, http.RequestAborted).ConfigureAwait(false);
        if (account is not null && (group is not null || disabled is not null))
        {
            // Disabling an account (or moving its group) changes its keys; admission sees it at once.
            await AdminHttp.RefreshKeysAsync(http).ConfigureAwait(false);
        }

        await WriteAsync(http, account).ConfigureAwait(false);
    }

    private static async Task WriteAsync(HttpContext http, Account? account)
    {
        if (account is null)
        {
            await AdminHttp.NotFoundAsync(http, "account").ConfigureAwait(false);
            return;
        }

        long balance = await http.RequestServices.GetRequiredService<ILedgerStore>().GetBalanceAsync(account.Id, http.RequestAborted).ConfigureAwait(false) ?? 0;
        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w => AdminJson.Account(w, account, balance)).ConfigureAwait(false);
    }
}
