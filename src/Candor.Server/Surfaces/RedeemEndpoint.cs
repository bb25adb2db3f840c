using System.Text.Json;
using Candor.Core.Accounts.Redemptions;
using Candor.Core.Admission;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;

namespace Candor.Server.Surfaces;

/// <summary><c>POST /v1/redeem</c> with <c>{"code":"…"}</c>: a stored key redeems a redemption code for its own
/// account. The code credits exactly once (<see cref="IRedemptionStore.RedeemAsync(string, string, RedemptionLimits?, CancellationToken)"/>); unknown codes count against
/// the key and the client address (<see cref="RedeemThrottle"/>). Errors are in the OpenAI envelope with a
/// <c>code</c>: <c>code_unknown</c> 404, <c>code_already_redeemed</c> 409, <c>code_expired</c> 410,
/// <c>code_not_for_account</c> 403, <c>too_many_attempts</c> 429. docs/business.md.</summary>
internal static class RedeemEndpoint
{
    public static async Task HandleAsync(HttpContext http, SnapshotHolder snapshots)
    {
        if (await SelfServiceEndpoints.AccountKeyAsync(http, snapshots).ConfigureAwait(false) is not { } key)
        {
            return;
        }

        var (error, write) = await RedeemAsync(http, key.AccountId, key.Id).ConfigureAwait(false);
        if (error is not null)
        {
            await WriteAsync(http, error).ConfigureAwait(false);
            return;
        }

        http.Response.ContentType = "application/json";
        using (var w = new Utf8JsonWriter(http.Response.BodyWriter))
        {
            write!(w);
        }

        await ResponseWriter.FlushAsync(http).ConfigureAwait(false);
    }

    /// <summary>Reads <c>{"code":"…"}</c> and redeems it for <paramref name="accountId"/>: the refusal as a value, or
    /// what writes the redemption. <paramref name="subject"/> is what unknown codes count against besides the client
    /// address (<see cref="RedeemThrottle"/>): the key, or for the console the account. Shared by <c>POST /v1/redeem</c>
    /// and the console's <c>POST /admin/v1/accounts/{accountId}/redeem</c>.</summary>
    internal static async Task<(RelayError? Error, Action<Utf8JsonWriter>? Write)> RedeemAsync(HttpContext http, string accountId, string subject)
    {
        var services = http.RequestServices;
        if (services.GetService<IRedemptionStore>() is not { } store)
        {
            return (new RelayError(RelayStage.Routing, RelayErrorKind.NotFound, 404, "Redemption codes need a data directory."), null);
        }

        var throttle = services.GetRequiredService<RedeemThrottle>();
        string? address = http.Connection.RemoteIpAddress?.ToString();
        if (await throttle.RetryAfterSecondsAsync(subject, address, http.RequestAborted).ConfigureAwait(false) is { } wait)
        {
            services.GetRequiredService<ILogger<RedeemThrottle>>().RedeemThrottled(subject, wait);
            return (TooManyAttempts(wait), null);
        }

        string? code;
        try
        {
            using var body = await Admin.AdminHttp.ReadObjectAsync(http, "code").ConfigureAwait(false);
            code = Admin.AdminInput.OptionalString(body.RootElement, "code");
        }
        catch (Admin.AdminInputException e)
        {
            return (RelayError.BadRequest(e.Message, e.Field), null);
        }

        if (RedemptionCodeFormat.Normalize(code) is null)
        {
            return (RelayError.BadRequest("Give the code to redeem as {\"code\":\"…\"}.", "code"), null);
        }

        // Checked again and counted inside the redemption's transaction: guesses sent at once cannot pass the bound together.
        var result = await store.RedeemAsync(code!, accountId, throttle.Limits(subject, address), http.RequestAborted).ConfigureAwait(false);
        if (result is { Outcome: RedemptionOutcome.Throttled, RetryAfter: { } left })
        {
            int retry = RedeemThrottle.RetryAfterSeconds(left);
            services.GetRequiredService<ILogger<RedeemThrottle>>().RedeemThrottled(subject, retry);
            return (TooManyAttempts(retry), null);
        }

        if (result.Outcome != RedemptionOutcome.Redeemed || result.Entry is not { } entry)
        {
            return (Refusal(result.Outcome), null);
        }

        services.GetRequiredService<ILogger<RedeemThrottle>>().CodeRedeemed(result.CodeId!, accountId, entry.AmountMicros, entry.Id);
        // Balances are held in memory between refreshes: make the credit spendable at once.
        if (services.GetService<BillingBook>() is { } book)
        {
            await book.RefreshAsync(http.RequestAborted).ConfigureAwait(false);
        }

        long balance = await services.GetRequiredService<BillingGate>().Ledger.GetBalanceAsync(accountId, http.RequestAborted).ConfigureAwait(false) ?? 0;
        return (null, w =>
        {
            w.WriteStartObject();
            w.WriteString("object", "redemption");
            w.WriteString("code_id", result.CodeId);
            w.WriteString("account_id", accountId);
            w.WriteNumber("amount_micros", entry.AmountMicros);
            w.WriteString("ledger_entry_id", entry.Id);
            w.WriteNumber("balance_micros", balance);
            w.WriteEndObject();
        });
    }

    private static RelayError TooManyAttempts(int retryAfterSeconds) => new(RelayStage.Admission, RelayErrorKind.RateLimited, 429,
        "Too many unknown redemption codes from this key or address; try again later.") { Code = "too_many_attempts", RetryAfterSeconds = retryAfterSeconds };

    private static RelayError Refusal(RedemptionOutcome outcome) => outcome switch
    {
        RedemptionOutcome.AlreadyRedeemed => new(RelayStage.Admission, RelayErrorKind.InvalidRequest, 409, "This code has already been redeemed.") { Code = "code_already_redeemed" },
        RedemptionOutcome.Expired => new(RelayStage.Admission, RelayErrorKind.InvalidRequest, 410, "This code has expired.") { Code = "code_expired" },
        RedemptionOutcome.NotForAccount => new(RelayStage.Admission, RelayErrorKind.PermissionDenied, 403, "This code cannot be redeemed by this account.") { Code = "code_not_for_account" },
        _ => new(RelayStage.Admission, RelayErrorKind.NotFound, 404, "No such redemption code.") { Code = "code_unknown", Param = "code" },
    };

    private static Task WriteAsync(HttpContext http, RelayError error) => ResponseWriter.WriteErrorAsync(http, SurfaceRegistry.OpenAI, error);
}
