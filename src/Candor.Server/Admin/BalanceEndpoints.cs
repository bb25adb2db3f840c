using Candor.Core.Accounts;
using Candor.Server.Admin.Contracts;

namespace Candor.Server.Admin;

/// <summary>Balances, top-ups and the ledger. CLI: <c>candor topup</c>.</summary>
internal static class BalanceEndpoints
{
    public static void MapBalances(this RouteGroupBuilder admin)
    {
        admin.MapGet("/accounts/{accountId}/balance", AdminEndpoints.Guard(GetBalanceAsync))
            .Operation("getBalance", "Get an account's balance.")
            .Returns<BalanceView>(StatusCodes.Status200OK, "The balance.")
            .Fails(StatusCodes.Status404NotFound);
        admin.MapPost("/accounts/{accountId}/top-ups", AdminEndpoints.Guard(TopUpAsync))
            .Operation("topUp", "Add money to an account: exactly one of amount_micros and amount_usd.")
            .Takes<TopUpRequest>()
            .Returns<TopUpView>(StatusCodes.Status201Created, "The ledger entry and the new balance.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        admin.MapGet("/accounts/{accountId}/ledger", AdminEndpoints.Guard(ListLedgerAsync))
            .Operation("listLedger", "List an account's ledger entries, newest first.")
            .Query(AdminQueryParameter.Limit, AdminQueryParameter.Cursor)
            .Returns<AdminPage<LedgerEntryView>>(StatusCodes.Status200OK, "A page of entries.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
    }

    private static async Task GetBalanceAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        long? balance = await http.RequestServices.GetRequiredService<ILedgerStore>().GetBalanceAsync(accountId, http.RequestAborted).ConfigureAwait(false);
        if (balance is not { } micros)
        {
            await AdminHttp.NotFoundAsync(http, "account").ConfigureAwait(false);
            return;
        }

        await AdminHttp.WriteAsync(http, StatusCodes.Status200OK, new BalanceView(accountId, micros), AdminJsonContext.Default.BalanceView).ConfigureAwait(false);
    }

    private static async Task TopUpAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        long amount;
        string note;
        using (var body = await AdminHttp.ReadObjectAsync(http, AdminJsonContext.Default.TopUpRequest).ConfigureAwait(false))
        {
            amount = AdminInput.Amount(body.RootElement);
            note = AdminInput.OptionalString(body.RootElement, "note") ?? "top-up";
        }

        var ledger = http.RequestServices.GetRequiredService<ILedgerStore>();
        var entry = await ledger.TopUpAsync(accountId, amount, note, http.RequestAborted).ConfigureAwait(false);
        if (entry is null)
        {
            await AdminHttp.NotFoundAsync(http, "account").ConfigureAwait(false);
            return;
        }

        // The relay keeps balances in memory between refreshes: make the top-up spendable at once.
        if (http.RequestServices.GetService<Candor.Core.Admission.BillingBook>() is { } book)
        {
            await book.RefreshAsync(http.RequestAborted).ConfigureAwait(false);
        }

        long balance = await ledger.GetBalanceAsync(accountId, http.RequestAborted).ConfigureAwait(false) ?? 0;
        await AdminHttp.WriteAsync(http, StatusCodes.Status201Created, TopUpView.From(entry, balance), AdminJsonContext.Default.TopUpView).ConfigureAwait(false);
    }

    private static async Task ListLedgerAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        var (limit, cursor) = AdminHttp.Paging(http.Request);
        if (await http.RequestServices.GetRequiredService<IAccountStore>().GetAccountAsync(accountId, http.RequestAborted).ConfigureAwait(false) is null)
        {
            await AdminHttp.NotFoundAsync(http, "account").ConfigureAwait(false);
            return;
        }

        var page = await http.RequestServices.GetRequiredService<ILedgerStore>().ListLedgerAsync(accountId, limit, cursor, http.RequestAborted).ConfigureAwait(false);
        await AdminHttp.WritePageAsync(http, page, LedgerEntryView.From, AdminJsonContext.Default.AdminPageLedgerEntryView).ConfigureAwait(false);
    }
}
