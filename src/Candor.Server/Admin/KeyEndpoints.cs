using System.Text.Json;
using Candor.Core.Accounts;
using Candor.Core.WebConsole;
using Candor.Server.Admin.Contracts;
using Candor.Server.WebConsole;

namespace Candor.Server.Admin;

/// <summary>An account's client keys: create (the plaintext is in that response only), list, get, update limits,
/// revoke; the list is paged, newest first. Every write refreshes the key cache so the change applies to the next request.
/// CLI: <c>candor keys create|list|revoke</c>.</summary>
internal static class KeyEndpoints
{
    public static void MapKeys(this RouteGroupBuilder admin)
    {
        admin.MapPost("/accounts/{accountId}/keys", AdminEndpoints.Guard(CreateAsync))
            .Operation("createKey", "Create a key. The plaintext key is in this response only.")
            .Takes<KeyCreate>()
            .Returns<CreatedKeyView>(StatusCodes.Status201Created, "The new key with its plaintext.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        admin.MapGet("/accounts/{accountId}/keys", AdminEndpoints.Guard(ListAsync))
            .Operation("listKeys", "List an account's keys (revoked included), newest first; a plain member's console session sees only its own.")
            .Query(AdminQueryParameter.Limit, AdminQueryParameter.Cursor)
            .Returns<AdminPage<KeyView>>(StatusCodes.Status200OK, "A page of keys.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        admin.MapGet("/accounts/{accountId}/keys/{keyId}", AdminEndpoints.Guard(GetAsync))
            .Operation("getKey", "Get a key, with what it has spent.")
            .Returns<KeyWithSpendView>(StatusCodes.Status200OK, "The key.")
            .Fails(StatusCodes.Status404NotFound);
        admin.MapPatch("/accounts/{accountId}/keys/{keyId}", AdminEndpoints.Guard(UpdateAsync))
            .Operation("updateKeyLimits", "Change a key's limits: absent fields are kept, null clears a limit.")
            .Takes<KeyLimits>()
            .Returns<KeyView>(StatusCodes.Status200OK, "The updated key.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        admin.MapPost("/accounts/{accountId}/keys/{keyId}/revoke", AdminEndpoints.Guard(RevokeAsync))
            .Operation("revokeKey", "Revoke a key; it is refused from the next request on.")
            .Returns<KeyView>(StatusCodes.Status200OK, "The revoked key.")
            .Fails(StatusCodes.Status404NotFound);
    }

    private static async Task CreateAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        string name;
        ApiKeyLimits limits;
        using (var body = await AdminHttp.ReadObjectAsync(http, AdminJsonContext.Default.KeyCreate).ConfigureAwait(false))
        {
            name = AdminInput.RequiredString(body.RootElement, "name");
            limits = ReadLimits(body.RootElement, ApiKeyLimits.None);
        }

        // A key made from a console session belongs to that login, written in the key's own transaction: a plain
        // member sees and revokes only its own.
        var created = http.Features.Get<ConsoleCaller>() is { } caller
            ? await http.RequestServices.GetRequiredService<IKeyOwners>()
                .CreateOwnedKeyAsync(accountId, name, limits, caller.Principal, http.RequestAborted).ConfigureAwait(false)
            : await http.RequestServices.GetRequiredService<IKeyStore>()
                .CreateKeyAsync(accountId, name, limits, isOperator: false, http.RequestAborted).ConfigureAwait(false);
        if (created is null)
        {
            await AdminHttp.NotFoundAsync(http, "account").ConfigureAwait(false);
            return;
        }

        await AdminHttp.RefreshKeysAsync(http).ConfigureAwait(false);
        await AdminHttp.WriteAsync(http, StatusCodes.Status201Created, CreatedKeyView.From(created.Record, created.PlaintextKey), AdminJsonContext.Default.CreatedKeyView).ConfigureAwait(false);
    }

    private static async Task ListAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        if (await http.RequestServices.GetRequiredService<IAccountStore>().GetAccountAsync(accountId, http.RequestAborted).ConfigureAwait(false) is null)
        {
            await AdminHttp.NotFoundAsync(http, "account").ConfigureAwait(false);
            return;
        }

        var (limit, cursor) = AdminHttp.Paging(http.Request);
        var page = await http.RequestServices.GetRequiredService<IConsoleLists>()
            .ListKeysPageAsync(accountId, http.Features.Get<ConsoleKeyScope>()?.Principal, limit, cursor, http.RequestAborted).ConfigureAwait(false);
        await AdminHttp.WritePageAsync(http, page, AdminJson.Key).ConfigureAwait(false);
    }

    private static async Task GetAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        string keyId = AdminHttp.Route(http, "keyId");
        var key = await http.RequestServices.GetRequiredService<IKeyStore>().GetKeyAsync(accountId, keyId, http.RequestAborted).ConfigureAwait(false);
        if (key is null)
        {
            await AdminHttp.NotFoundAsync(http, "key").ConfigureAwait(false);
            return;
        }

        long spent = await http.RequestServices.GetRequiredService<ILedgerStore>().GetKeySpendAsync(key.Id, http.RequestAborted).ConfigureAwait(false);
        await AdminHttp.WriteAsync(http, StatusCodes.Status200OK, KeyWithSpendView.From(key, spent), AdminJsonContext.Default.KeyWithSpendView).ConfigureAwait(false);
    }

    private static async Task UpdateAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        string keyId = AdminHttp.Route(http, "keyId");
        var keys = http.RequestServices.GetRequiredService<IKeyStore>();
        using var body = await AdminHttp.ReadObjectAsync(http, AdminJsonContext.Default.KeyLimits).ConfigureAwait(false);
        var current = await keys.GetKeyAsync(accountId, keyId, http.RequestAborted).ConfigureAwait(false);
        var updated = current is null
            ? null
            : await keys.UpdateLimitsAsync(accountId, keyId, ReadLimits(body.RootElement, current.Limits), http.RequestAborted).ConfigureAwait(false);
        if (updated is null)
        {
            await AdminHttp.NotFoundAsync(http, "key").ConfigureAwait(false);
            return;
        }

        await AdminHttp.RefreshKeysAsync(http).ConfigureAwait(false);
        await AdminHttp.WriteAsync(http, StatusCodes.Status200OK, KeyView.From(updated), AdminJsonContext.Default.KeyView).ConfigureAwait(false);
    }

    private static async Task RevokeAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        string keyId = AdminHttp.Route(http, "keyId");
        var keys = http.RequestServices.GetRequiredService<IKeyStore>();
        if (!await keys.RevokeAsync(accountId, keyId, http.RequestAborted).ConfigureAwait(false))
        {
            await AdminHttp.NotFoundAsync(http, "active key").ConfigureAwait(false);
            return;
        }

        await AdminHttp.RefreshKeysAsync(http).ConfigureAwait(false);
        var key = await keys.GetKeyAsync(accountId, keyId, http.RequestAborted).ConfigureAwait(false);
        await AdminHttp.WriteAsync(http, StatusCodes.Status200OK, KeyView.From(key!), AdminJsonContext.Default.KeyView).ConfigureAwait(false);
    }

    /// <summary>Applies the limit fields present in the body to <paramref name="start"/> (absent = keep, null = clear)
    /// and validates each with <see cref="ApiKeyLimits.Validate"/>, so a refusal names its field.</summary>
    private static ApiKeyLimits ReadLimits(JsonElement body, ApiKeyLimits start)
    {
        var limits = start;
        if (AdminInput.TryNullableTime(body, "expires_at", out var expires))
        {
            limits = limits with { ExpiresAt = expires };
        }

        if (AdminInput.TryStringList(body, "allowed_models", out var models))
        {
            Check("allowed_models", new ApiKeyLimits { AllowedModels = models });
            limits = limits with { AllowedModels = models };
        }

        if (AdminInput.TryStringList(body, "allowed_cidrs", out var cidrs))
        {
            Check("allowed_cidrs", new ApiKeyLimits { AllowedCidrs = cidrs });
            limits = limits with { AllowedCidrs = cidrs };
        }

        if (AdminInput.TryNullableInt64(body, "budget_micros", out long? budget))
        {
            limits = limits with { BudgetMicros = budget };
        }

        if (AdminInput.TryNullableInt32(body, "rpm_limit", out int? rpm))
        {
            limits = limits with { RpmLimit = rpm };
        }

        if (AdminInput.TryNullableInt32(body, "tpm_limit", out int? tpm))
        {
            limits = limits with { TpmLimit = tpm };
        }

        if (AdminInput.TryNullableInt32(body, "concurrency_limit", out int? concurrency))
        {
            limits = limits with { ConcurrencyLimit = concurrency };
        }

        Check("limits", limits);
        return limits;
    }

    private static void Check(string field, ApiKeyLimits limits)
    {
        if (limits.Validate() is { } problem)
        {
            throw new AdminInputException(field, $"{field}: {problem}");
        }
    }
}
