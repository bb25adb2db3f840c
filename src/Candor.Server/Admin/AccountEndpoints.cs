using Candor.Core.Accounts;
using Candor.Server.Admin.Contracts;

namespace Candor.Server.Admin;

/// <summary>Accounts: create, list (paged, newest first), get, update name/group/disabled.
/// CLI: <c>candor accounts create|list</c>.</summary>
internal static class AccountEndpoints
{
    public static void MapAccounts(this RouteGroupBuilder admin)
    {
        admin.MapPost("/accounts", AdminEndpoints.Guard(CreateAsync))
            .Operation("createAccount", "Create an account.")
            .Takes<AccountCreate>()
            .Returns<AccountView>(StatusCodes.Status201Created, "The new account.")
            .Fails(StatusCodes.Status400BadRequest);
        admin.MapGet("/accounts", AdminEndpoints.Guard(ListAsync))
            .Operation("listAccounts", "List accounts, newest first.")
            .Query(AdminQueryParameter.Limit, AdminQueryParameter.Cursor)
            .Returns<AdminPage<AccountView>>(StatusCodes.Status200OK, "A page of accounts.")
            .Fails(StatusCodes.Status400BadRequest);
        admin.MapGet("/accounts/{accountId}", AdminEndpoints.Guard(GetAsync))
            .Operation("getAccount", "Get an account.")
            .Returns<AccountView>(StatusCodes.Status200OK, "The account.")
            .Fails(StatusCodes.Status404NotFound);
        admin.MapPatch("/accounts/{accountId}", AdminEndpoints.Guard(UpdateAsync))
            .Operation("updateAccount", "Change an account's name, group or disabled flag (absent fields are kept).")
            .Takes<AccountUpdate>()
            .Returns<AccountView>(StatusCodes.Status200OK, "The updated account.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
    }

    private static async Task CreateAsync(HttpContext http)
    {
        string name;
        string group;
        using (var body = await AdminHttp.ReadObjectAsync(http, AdminJsonContext.Default.AccountCreate).ConfigureAwait(false))
        {
            name = AdminInput.RequiredString(body.RootElement, "name");
            group = AdminInput.OptionalString(body.RootElement, "group") ?? Account.DefaultGroup;
        }

        var account = await http.RequestServices.GetRequiredService<IAccountStore>().CreateAccountAsync(name, group, http.RequestAborted).ConfigureAwait(false);
        await AdminHttp.WriteAsync(http, StatusCodes.Status201Created, AccountView.From(account, 0), AdminJsonContext.Default.AccountView).ConfigureAwait(false);
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

        await AdminHttp.WritePageAsync(http, page, a => AccountView.From(a, balances[a.Id]), AdminJsonContext.Default.AdminPageAccountView).ConfigureAwait(false);
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
        using (var body = await AdminHttp.ReadObjectAsync(http, AdminJsonContext.Default.AccountUpdate).ConfigureAwait(false))
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
        await AdminHttp.WriteAsync(http, StatusCodes.Status200OK, AccountView.From(account, balance), AdminJsonContext.Default.AccountView).ConfigureAwait(false);
    }
}
