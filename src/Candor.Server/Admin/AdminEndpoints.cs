using Candor.Core.Accounts;

namespace Candor.Server.Admin;

/// <summary>The admin REST API under <c>/admin/v1</c>: accounts, members, keys, balances, top-ups, usage and prices, and
/// its OpenAPI document. Every route runs behind <see cref="Guard"/>, which admits platform operator keys only.
/// See docs/admin-api.md.</summary>
internal static class AdminEndpoints
{
    /// <summary>The prefix of every admin route.</summary>
    public const string Prefix = "/admin/v1";

    /// <summary>Maps the admin API. Requires the store services (<see cref="IAccountStore"/>, <see cref="IKeyStore"/>,
    /// <see cref="ILedgerStore"/>, <see cref="ApiKeyCache"/>) in DI.</summary>
    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup(Prefix);
        admin.MapGet("/openapi.json", Guard(AdminOpenApi.WriteAsync))
            .Operation("getOpenApi", "This document.")
            .Returns<System.Text.Json.JsonElement>(StatusCodes.Status200OK, "The OpenAPI document.");
        admin.MapAccounts();
        admin.MapMembers();
        admin.MapKeys();
        admin.MapBalances();
        admin.MapUsage();
        admin.MapPrices();
        admin.MapChannels();
        admin.MapDeployments();
        admin.MapPrivacyAdmin();
        admin.MapAudit();
        admin.MapRedemptions();
        Payments.PaymentEndpoints.MapPaymentAdmin(admin);
        admin.MapUsageSeries();
        admin.MapUsageExport();
        admin.MapHistoryAdmin();
        admin.MapSettings();
        return endpoints;
    }

    /// <summary>Wraps a handler so that it runs only for an operator key, and turns refused input into 400s.</summary>
    public static RequestDelegate Guard(Func<HttpContext, Task> handler) => async http =>
    {
        if (!await AdminAuth.AuthorizeAsync(http).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            await handler(http).ConfigureAwait(false);
        }
        catch (AdminInputException e)
        {
            await AdminHttp.WriteErrorAsync(http, e.StatusCode, "invalid_request_error", e.Message, e.Field).ConfigureAwait(false);
        }
        catch (ArgumentException e) when (!http.Response.HasStarted)
        {
            // The stores throw ArgumentException for input they refuse (a bad paging cursor, invalid limits);
            // their messages carry no secrets.
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status400BadRequest, "invalid_request_error", e.Message, e.ParamName).ConfigureAwait(false);
        }
        catch (Exception e) when (Candor.Storage.RelationalStore.IsUnavailable(e) && !http.Response.HasStarted)
        {
            // A write the store could not make durable (a full disk, a held lock) is a 503 in the admin envelope,
            // never a bare 500; the operator is told once by the store's health (docs/fail-closed.md).
            http.RequestServices.GetService<Candor.Core.Admission.StoreHealth>()?.Failed("admin", e);
            http.Response.Headers.RetryAfter = Candor.Core.Admission.StoreHealth.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status503ServiceUnavailable, "store_unavailable",
                "The store could not make this change durable (it is failing); nothing was changed. Retry later.").ConfigureAwait(false);
        }
    };
}
