using System.Globalization;
using System.Text.Json;
using Candor.Core.Accounts;
using Candor.Protocols.Canonical;
using Candor.Server.Admin;
using Candor.Server.Admin.Contracts;

namespace Candor.Server.WebConsole;

/// <summary>The member pages' two ways to add money, on the admin API so a console session (or an operator key) can
/// use them: <c>POST /admin/v1/accounts/{accountId}/redeem</c> with <c>{"code":"…"}</c> (as <c>POST /v1/redeem</c> does
/// for a key: credits once, unknown codes count against the account and the client address) and
/// <c>POST /admin/v1/accounts/{accountId}/payments/checkout</c> with <c>{"amount_usd":"10"}</c> (as
/// <c>POST /v1/payments/checkout</c>: at most <see cref="Payments.PaymentEndpoints.CheckoutsPerAccount"/> openings per
/// account and hour, on every node together). Refusals are in the admin envelope with the same <c>code</c> as the key
/// routes. docs/console.md.</summary>
internal static class ConsoleMoneyEndpoints
{
    public static void MapConsoleMoney(this RouteGroupBuilder admin)
    {
        admin.MapPost("/accounts/{accountId}/redeem", AdminEndpoints.Guard(RedeemAsync))
            .Operation("redeemCode", "Redeem a code for the account: credits it once; unknown codes count against the account and the client address.")
            .Takes<RedeemRequest>()
            .Returns<RedemptionView>(StatusCodes.Status200OK, "What the code credited.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status429TooManyRequests);
        admin.MapPost("/accounts/{accountId}/payments/checkout", AdminEndpoints.Guard(CheckoutAsync))
            .Operation("openCheckout", "Open a checkout with the payment provider that credits the account once paid; "
                + "at most a fixed number of openings per account and hour, on every node together.")
            .Takes<CheckoutCreate>()
            .Returns<CheckoutView>(StatusCodes.Status201Created, "The payment and the provider's hosted page.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status429TooManyRequests);
    }

    private static async Task RedeemAsync(HttpContext http)
    {
        if (await AccountAsync(http).ConfigureAwait(false) is not { } accountId)
        {
            return;
        }

        // Unknown codes count against the account (not a login: the log and the throttle never hold a principal).
        var (error, write) = await Surfaces.RedeemEndpoint.RedeemAsync(http, accountId, "console:" + accountId).ConfigureAwait(false);
        await AnswerAsync(http, StatusCodes.Status200OK, error, write).ConfigureAwait(false);
    }

    private static async Task CheckoutAsync(HttpContext http)
    {
        if (http.RequestServices.GetService<Payments.PaymentProviders>() is null)
        {
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status404NotFound, "not_found_error", "No payment provider is configured on this server.").ConfigureAwait(false);
            return;
        }

        if (await AccountAsync(http).ConfigureAwait(false) is not { } accountId)
        {
            return;
        }

        var (error, write) = await Payments.PaymentEndpoints.OpenCheckoutAsync(http, accountId).ConfigureAwait(false);
        await AnswerAsync(http, StatusCodes.Status201Created, error, write).ConfigureAwait(false);
    }

    private static async Task<string?> AccountAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        if (await http.RequestServices.GetRequiredService<IAccountStore>().GetAccountAsync(accountId, http.RequestAborted).ConfigureAwait(false) is null)
        {
            await AdminHttp.NotFoundAsync(http, "account").ConfigureAwait(false);
            return null;
        }

        return accountId;
    }

    private static Task AnswerAsync(HttpContext http, int status, RelayError? error, Action<Utf8JsonWriter>? write)
    {
        if (error is null)
        {
            return AdminHttp.WriteJsonAsync(http, status, write!);
        }

        if (error.RetryAfterSeconds is { } wait)
        {
            http.Response.Headers.RetryAfter = wait.ToString(CultureInfo.InvariantCulture);
        }

        return AdminHttp.WriteJsonAsync(http, error.StatusCode, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteString("type", error.StatusCode switch
            {
                StatusCodes.Status403Forbidden => "permission_error",
                StatusCodes.Status404NotFound => "not_found_error",
                StatusCodes.Status429TooManyRequests => "rate_limit_error",
                >= 500 => "api_error",
                _ => "invalid_request_error",
            });
            w.WriteString("message", error.Message);
            if (error.Code is not null)
            {
                w.WriteString("code", error.Code);
            }

            if (error.Param is not null)
            {
                w.WriteString("param", error.Param);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        });
    }
}
