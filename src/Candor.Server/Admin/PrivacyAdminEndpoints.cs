using Candor.Core.Accounts;
using Candor.Core.Privacy;
using Candor.Core.Routing;
using Candor.Server.Admin.Contracts;

namespace Candor.Server.Admin;

/// <summary>Privacy policies of accounts and keys (routing requirement, redaction policy, and for accounts the history
/// settings; a PUT replaces the parts it names and keeps the others), and erasure of an account's history (crypto-shredding). A policy
/// written here applies to the next request (the in-memory <see cref="PrivacyDirectory"/> is reloaded). See
/// docs/privacy.md.</summary>
internal static class PrivacyAdminEndpoints
{
    public static void MapPrivacyAdmin(this RouteGroupBuilder admin)
    {
        admin.MapGet("/accounts/{accountId}/privacy", AdminEndpoints.Guard(GetAccountAsync))
            .Operation("getAccountPrivacy", "An account's stored privacy policy: routing requirement, redaction policy, history settings.")
            .Returns<StoredPrivacyView>(StatusCodes.Status200OK, "The policy.")
            .Fails(StatusCodes.Status404NotFound);
        admin.MapPut("/accounts/{accountId}/privacy", AdminEndpoints.Guard(SetAccountAsync))
            .Operation("setAccountPrivacy", "Replace the parts of an account's privacy policy the body names (null clears one); it applies to the next request.")
            .Takes<PrivacySet>()
            .Returns<StoredPrivacyView>(StatusCodes.Status200OK, "The policy.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        admin.MapGet("/accounts/{accountId}/keys/{keyId}/privacy", AdminEndpoints.Guard(GetKeyAsync))
            .Operation("getKeyPrivacy", "A key's stored privacy policy: routing requirement and redaction policy.")
            .Returns<StoredPrivacyView>(StatusCodes.Status200OK, "The policy.")
            .Fails(StatusCodes.Status404NotFound);
        admin.MapPut("/accounts/{accountId}/keys/{keyId}/privacy", AdminEndpoints.Guard(SetKeyAsync))
            .Operation("setKeyPrivacy", "Replace the parts of a key's privacy policy the body names (null clears one); it applies to the next request.")
            .Takes<KeyPrivacySet>()
            .Returns<StoredPrivacyView>(StatusCodes.Status200OK, "The policy.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        admin.MapDelete("/accounts/{accountId}/history", AdminEndpoints.Guard(EraseHistoryAsync))
            .Operation("eraseHistory", "Erase an account's encrypted history (crypto-shredding).")
            .Returns<HistoryErasedView>(StatusCodes.Status200OK, "How many entries were erased.")
            .Fails(StatusCodes.Status404NotFound);
    }

    private static async Task GetAccountAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        if (await http.RequestServices.GetRequiredService<IAccountStore>().GetAccountAsync(accountId, http.RequestAborted).ConfigureAwait(false) is null)
        {
            await AdminHttp.NotFoundAsync(http, "account").ConfigureAwait(false);
            return;
        }

        await WritePolicyAsync(http, http.RequestServices.GetRequiredService<PrivacyDirectory>().ForAccount(accountId)).ConfigureAwait(false);
    }

    private static async Task SetAccountAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        var directory = http.RequestServices.GetRequiredService<PrivacyDirectory>();
        var config = http.RequestServices.GetRequiredService<SnapshotHolder>().Current.Config;
        var policy = directory.ForAccount(accountId);
        using (var body = await AdminHttp.ReadObjectAsync(http, AdminJsonContext.Default.PrivacySet).ConfigureAwait(false))
        {
            if (body.RootElement.TryGetProperty("routing", out var routing))
            {
                policy = policy with { Routing = PrivacyJson.ReadRouting(routing, "routing") };
            }

            if (body.RootElement.TryGetProperty("redaction", out var redaction))
            {
                policy = policy with { Redaction = PrivacyJson.ReadRedaction(redaction, "redaction") };
            }

            if (body.RootElement.TryGetProperty("history", out var history))
            {
                var (enabled, days) = PrivacyJson.ReadHistory(history, "history", config.Privacy.HistoryRetentionDays);
                if (enabled && config.Privacy.Retention != RetentionMode.AccountHistory)
                {
                    await HistoryDisabledAsync(http).ConfigureAwait(false);
                    return;
                }

                policy = policy with { HistoryEnabled = enabled, HistoryRetentionDays = days };
            }
        }

        if (!await directory.SetAsync(policy, http.RequestAborted).ConfigureAwait(false))
        {
            await AdminHttp.NotFoundAsync(http, "account").ConfigureAwait(false);
            return;
        }

        await WritePolicyAsync(http, policy).ConfigureAwait(false);
    }

    private static async Task GetKeyAsync(HttpContext http)
    {
        if (await FindKeyAsync(http).ConfigureAwait(false) is not { } key)
        {
            return;
        }

        await WritePolicyAsync(http, http.RequestServices.GetRequiredService<PrivacyDirectory>().ForKey(key.Id)).ConfigureAwait(false);
    }

    private static async Task SetKeyAsync(HttpContext http)
    {
        if (await FindKeyAsync(http).ConfigureAwait(false) is not { } key)
        {
            return;
        }

        var directory = http.RequestServices.GetRequiredService<PrivacyDirectory>();
        var policy = directory.ForKey(key.Id);
        using (var body = await AdminHttp.ReadObjectAsync(http, AdminJsonContext.Default.KeyPrivacySet).ConfigureAwait(false))
        {
            if (body.RootElement.TryGetProperty("routing", out var routing))
            {
                policy = policy with { Routing = PrivacyJson.ReadRouting(routing, "routing") };
            }

            if (body.RootElement.TryGetProperty("redaction", out var redaction))
            {
                policy = policy with { Redaction = PrivacyJson.ReadRedaction(redaction, "redaction") };
            }
        }

        if (!await directory.SetAsync(policy, http.RequestAborted).ConfigureAwait(false))
        {
            await AdminHttp.NotFoundAsync(http, "key").ConfigureAwait(false);
            return;
        }

        await WritePolicyAsync(http, policy).ConfigureAwait(false);
    }

    private static async Task EraseHistoryAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        if (await http.RequestServices.GetRequiredService<IAccountStore>().GetAccountAsync(accountId, http.RequestAborted).ConfigureAwait(false) is null)
        {
            await AdminHttp.NotFoundAsync(http, "account").ConfigureAwait(false);
            return;
        }

        int deleted = http.RequestServices.GetService<HistoryRecorder>() is { } recorder
            ? await recorder.EraseAsync(accountId, CancellationToken.None).ConfigureAwait(false)
            : 0;
        await AdminHttp.WriteAsync(http, StatusCodes.Status200OK, new HistoryErasedView("history.erased", accountId, deleted), AdminJsonContext.Default.HistoryErasedView).ConfigureAwait(false);
    }

    private static async Task<ApiKeyRecord?> FindKeyAsync(HttpContext http)
    {
        var key = await http.RequestServices.GetRequiredService<IKeyStore>()
            .GetKeyAsync(AdminHttp.Route(http, "accountId"), AdminHttp.Route(http, "keyId"), http.RequestAborted).ConfigureAwait(false);
        if (key is null)
        {
            await AdminHttp.NotFoundAsync(http, "key").ConfigureAwait(false);
        }

        return key;
    }

    /// <summary>409: the server keeps nothing (<c>privacy.retention: none</c>), so history cannot be turned on.</summary>
    public static Task HistoryDisabledAsync(HttpContext http) =>
        AdminHttp.WriteErrorAsync(http, StatusCodes.Status409Conflict, "invalid_request_error",
            "History is disabled on this server (privacy.retention: none); nothing of what is sent or received is kept.", "history.enabled");

    private static Task WritePolicyAsync(HttpContext http, StoredPrivacy policy) =>
        AdminHttp.WriteAsync(http, StatusCodes.Status200OK, StoredPrivacyView.From(policy), AdminJsonContext.Default.StoredPrivacyView);
}
