using Candor.Core.Accounts;
using Candor.Core.WebConsole;
using Candor.Server.Admin;

namespace Candor.Server.WebConsole;

/// <summary>The one authorization decision for admin API requests made with a console session: a platform operator
/// may use every route; anybody else only the account routes listed here, in an account they are a member of, with a
/// role at least as strong as the route's. Anything not listed (channels, prices, accounts, members, invitations, the
/// OpenAPI document) is operator-only by default, so a route added later is closed to members until listed. Owners
/// and admins see every key of the account; a member (role member) only the keys it created (<see cref="IKeyOwners"/>),
/// and only their usage; a viewer reads the account's usage but no keys.</summary>
internal static class ConsoleAccess
{
    private const string Account = AdminEndpoints.Prefix + "/accounts/{accountId}";

    // (method, route pattern) → the weakest role that may use it (AccountRole runs from Owner = strongest to Viewer).
    private static readonly Dictionary<(string Method, string Pattern), AccountRole> Routes = new()
    {
        [("GET", Account)] = AccountRole.Viewer,
        [("GET", Account + "/usage")] = AccountRole.Viewer,
        [("GET", Account + "/usage/{requestId}")] = AccountRole.Viewer,
        [("GET", Account + "/balance")] = AccountRole.Viewer,
        [("GET", Account + "/ledger")] = AccountRole.Viewer,
        [("GET", Account + "/receipts/{receiptId}")] = AccountRole.Viewer,
        [("GET", Account + "/keys")] = AccountRole.Member,
        [("GET", Account + "/keys/{keyId}")] = AccountRole.Member,
        [("POST", Account + "/keys")] = AccountRole.Member,
        [("POST", Account + "/keys/{keyId}/revoke")] = AccountRole.Member,
        [("PATCH", Account + "/keys/{keyId}")] = AccountRole.Admin,
        [("GET", Account + "/members")] = AccountRole.Admin,
        [("GET", Account + "/privacy")] = AccountRole.Member,
        [("GET", Account + "/usage.csv")] = AccountRole.Viewer,
        [("GET", Account + "/history")] = AccountRole.Admin,
        [("POST", Account + "/redeem")] = AccountRole.Member,
        [("POST", Account + "/payments/checkout")] = AccountRole.Member,
        [("DELETE", Account + "/history")] = AccountRole.Admin,
    };

    /// <summary>True when the caller may make this request.</summary>
    public static async Task<bool> AllowsAsync(ConsoleCaller caller, HttpContext http)
    {
        if (caller.IsOperator)
        {
            return true;
        }

        if (http.GetEndpoint() is not RouteEndpoint { RoutePattern.RawText: { } pattern }
            || !Routes.TryGetValue((http.Request.Method.ToUpperInvariant(), pattern), out var weakest))
        {
            return false;
        }

        string accountId = AdminHttp.Route(http, "accountId");
        var role = await http.RequestServices.GetRequiredService<IAccountStore>()
            .GetRoleAsync(accountId, caller.Principal, http.RequestAborted).ConfigureAwait(false);
        if (role is not { } r || r > weakest)
        {
            return false;
        }

        if (r != AccountRole.Member)
        {
            return true;
        }

        // A plain member works with its own keys only: a key route answers only for a key it owns, and the key and
        // usage listings are narrowed to its keys (ConsoleKeyScope).
        http.Features.Set(new ConsoleKeyScope(caller.Principal));
        return http.Request.RouteValues["keyId"] is not string keyId
            || await http.RequestServices.GetRequiredService<IKeyOwners>()
                .GetKeyOwnerAsync(accountId, keyId, http.RequestAborted).ConfigureAwait(false) == caller.Principal;
    }
}
