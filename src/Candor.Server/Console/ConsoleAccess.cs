using Candor.Core.Accounts;
using Candor.Server.Admin;

namespace Candor.Server.WebConsole;

/// <summary>The one authorization decision for admin API requests made with a console session: a platform operator
/// may use every route; anybody else only the account routes listed here, in an account they are a member of, with a
/// role at least as strong as the route's. Anything not listed (channels, prices, accounts, members, invitations, the
/// OpenAPI document) is operator-only by default, so a route added later is closed to members until listed.</summary>
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
        return role is { } r && r <= weakest;
    }
}
