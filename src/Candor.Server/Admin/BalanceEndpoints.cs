using Candor.Core.Accounts;

namespace Candor.Server.Admin;

/// <summary>Balances, top-ups and the ledger. CLI: <c>candor topup</c>.</summary>
internal static class BalanceEndpoints
{
    public static void MapBalances(this RouteGroupBuilder admin)
    {
        admin.MapGet("/accounts/{accountId}/balance", AdminEndpoints.Guard(GetBalanceAsync));
        admin.MapPost("/accounts/{accountId}/top-ups", AdminEndpoints.Guard(TopUpAsync));
        admin.MapGet("/accounts/{accountId}/ledger", AdminEndpoints.Guard(ListLedgerAsync));
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

        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("account", accountId);
            w.WriteNumber("balance_micros", micros);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task TopUpAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        long amount;
        string note;
        using (var body = await AdminHttp.ReadObjectAsync(http, "amount_micros", "amount_usd", "note").ConfigureAwait(false))
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
        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status201Created, w => AdminJson.TopUp(w, entry, balance)).ConfigureAwait(false);
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
        await AdminHttp.WritePageAsync(http, page, AdminJson.Ledger).ConfigureAwait(false);
    }
}
