using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Candor.Core.Admission;
using Candor.Core.Payments;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;
using Candor.Server.Admin;
using Candor.Server.Admin.Contracts;
using Candor.Server.Surfaces;
using Candor.Server.WebConsole;

namespace Candor.Server.Payments;

/// <summary>Online top-ups (docs/business.md, "Payments"): a member opens a checkout with a key of the account to credit
/// (<c>POST /v1/payments/checkout</c>, <c>{"amount_usd":"10"}</c> → the hosted page's URL) and reads it back
/// (<c>GET /v1/payments/{id}</c>); the provider reports payments and refunds to <c>POST /webhooks/{provider}</c>
/// (no key: the provider's signature is the authentication); an operator asks for a refund
/// (<c>POST /admin/v1/payments/{id}/refund</c>). Every balance change goes through <see cref="IPaymentStore.ApplyAsync"/>.</summary>
internal static class PaymentEndpoints
{
    /// <summary>The largest webhook body read; provider events are a few kilobytes.</summary>
    public const int MaxWebhookBytes = 256 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Maps the member and webhook routes when a provider is configured.</summary>
    public static void MapPayments(WebApplication app)
    {
        if (app.Services.GetService<PaymentProviders>() is null)
        {
            return;
        }

        app.MapPost("/v1/payments/checkout", CheckoutAsync);
        app.MapGet("/v1/payments/{paymentId}", GetAsync);
        app.MapPost("/webhooks/{provider}", WebhookAsync);
    }

    /// <summary>Maps the operator's refund route (always, so the admin API is the same on every installation; without
    /// a provider it answers 404).</summary>
    public static void MapPaymentAdmin(this RouteGroupBuilder admin) => admin.MapPost("/payments/{paymentId}/refund", AdminEndpoints.Guard(RefundAsync))
        .Operation("refundPayment", "Ask the payment's provider to refund it (all that is not refunded yet, or amount_usd/amount_micros); "
            + "the balance is debited when the provider's refund webhook arrives.")
        .Takes<RefundRequest>(optional: true)
        .Returns<RefundView>(StatusCodes.Status202Accepted, "The provider accepted the refund.")
        .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status502BadGateway);

    private static async Task CheckoutAsync(HttpContext http, SnapshotHolder snapshots)
    {
        if (await SelfServiceEndpoints.AccountKeyAsync(http, snapshots).ConfigureAwait(false) is not { } key)
        {
            return;
        }

        var (error, write) = await OpenCheckoutAsync(http, key.AccountId).ConfigureAwait(false);
        if (error is not null)
        {
            await WriteAsync(http, error).ConfigureAwait(false);
            return;
        }

        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status201Created, write!).ConfigureAwait(false);
    }

    /// <summary>At most this many checkouts are opened per account in <see cref="CheckoutWindow"/>, counted in the store
    /// on every node (<see cref="Core.WebConsole.IAttemptCounters"/>): each opening creates a payment row and calls
    /// the provider, so an account cannot make the server spam either.</summary>
    public const int CheckoutsPerAccount = 20;

    /// <summary>The window of <see cref="CheckoutsPerAccount"/>.</summary>
    public static readonly TimeSpan CheckoutWindow = TimeSpan.FromHours(1);

    /// <summary>Reads <c>{"amount_usd"|"amount_micros"[,"provider"]}</c> and opens a checkout crediting
    /// <paramref name="accountId"/>: the refusal as a value, or what writes the payment with its <c>checkout_url</c>.
    /// Shared by <c>POST /v1/payments/checkout</c> (a key) and the console's
    /// <c>POST /admin/v1/accounts/{accountId}/payments/checkout</c>.</summary>
    internal static async Task<(RelayError? Error, Action<Utf8JsonWriter>? Write)> OpenCheckoutAsync(HttpContext http, string accountId)
    {
        var services = http.RequestServices;
        var providers = services.GetRequiredService<PaymentProviders>();
        long amount;
        IPaymentProvider? provider;
        try
        {
            using var body = await AdminHttp.ReadObjectAsync(http, "amount_usd", "amount_micros", "provider").ConfigureAwait(false);
            amount = AdminInput.Amount(body.RootElement);
            string? name = AdminInput.OptionalString(body.RootElement, "provider");
            provider = name is null ? providers.Default : providers.Find(name);
        }
        catch (AdminInputException e)
        {
            return (RelayError.BadRequest(e.Message, e.Field), null);
        }

        var settings = providers.Settings;
        if (provider is null)
        {
            return (RelayError.BadRequest("No such payment provider is configured.", "provider"), null);
        }

        if (UsdMinorUnits.ToCents(amount) is null || amount < settings.MinMicros || amount > settings.MaxMicros)
        {
            return (RelayError.BadRequest(string.Create(CultureInfo.InvariantCulture,
                $"The amount must be whole cents from {Candor.Core.Accounting.Micros.Format(settings.MinMicros)} to {Candor.Core.Accounting.Micros.Format(settings.MaxMicros)} USD."), "amount_usd"), null);
        }

        var counters = services.GetRequiredService<Core.WebConsole.IAttemptCounters>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        // Counted before the opening (one atomic store operation that returns the count): concurrent openings cannot all
        // pass the check. Every admitted opening stays counted; a refused one is not counted.
        var opening = await Core.WebConsole.AttemptTicket.TakeAsync(counters, now, CheckoutWindow, [new("checkout\n" + accountId, CheckoutsPerAccount)], http.RequestAborted).ConfigureAwait(false);
        if (opening.RetryAfter is { } left)
        {
            int wait = (int)Math.Ceiling(left.TotalSeconds);
            services.GetRequiredService<ILogger<PaymentProviders>>().CheckoutThrottled(accountId, wait);
            return (new RelayError(RelayStage.Admission, RelayErrorKind.RateLimited, 429, string.Create(CultureInfo.InvariantCulture,
                $"At most {CheckoutsPerAccount} checkouts per account in {CheckoutWindow.TotalMinutes:0} minutes; try again later.")) { Code = "too_many_checkouts", RetryAfterSeconds = wait }, null);
        }

        opening.Keep();

        var store = services.GetRequiredService<IPaymentStore>();
        var logger = services.GetRequiredService<ILogger<PaymentProviders>>();
        if (await store.CreatePaymentAsync(provider.Name, accountId, amount, http.RequestAborted).ConfigureAwait(false) is not { } payment)
        {
            return (new RelayError(RelayStage.Admission, RelayErrorKind.NotFound, 404, "The account does not exist."), null);
        }

        var checkout = await provider.CreateCheckoutAsync(new CheckoutRequest(payment.Id, accountId, amount, settings.SuccessUrl, settings.CancelUrl), http.RequestAborted)
            .ConfigureAwait(false);
        // Recorded whatever the client does now: the payment must know its checkout before the payer can pay it.
        await store.OpenPaymentAsync(payment.Id, checkout.SessionId, CancellationToken.None).ConfigureAwait(false);
        if (checkout.SessionId is null || checkout.Url is null)
        {
            logger.CheckoutFailed(payment.Id, provider.Name, checkout.Error ?? "no checkout");
            return (new RelayError(RelayStage.Upstream, RelayErrorKind.UpstreamError, 502,
                $"The payment provider did not open a checkout: {checkout.Error}") { Code = "payment_provider_error" }, null);
        }

        logger.CheckoutOpened(payment.Id, provider.Name, accountId, amount);
        return (null, w =>
        {
            w.WriteStartObject();
            WriteFields(w, payment with { Status = "open", SessionId = checkout.SessionId });
            w.WriteString("checkout_url", checkout.Url);
            w.WriteEndObject();
        });
    }

    private static async Task GetAsync(HttpContext http, SnapshotHolder snapshots)
    {
        if (await SelfServiceEndpoints.AccountKeyAsync(http, snapshots).ConfigureAwait(false) is not { } key)
        {
            return;
        }

        var payment = await http.RequestServices.GetRequiredService<IPaymentStore>()
            .GetPaymentAsync(AdminHttp.Route(http, "paymentId"), http.RequestAborted).ConfigureAwait(false);
        if (payment is null || payment.AccountId != key.AccountId)
        {
            await WriteAsync(http, new RelayError(RelayStage.Routing, RelayErrorKind.NotFound, 404, "No such payment.")).ConfigureAwait(false);
            return;
        }

        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            WriteFields(w, payment);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task WebhookAsync(HttpContext http)
    {
        var services = http.RequestServices;
        var logger = services.GetRequiredService<ILogger<PaymentProviders>>();
        if (services.GetRequiredService<PaymentProviders>().Find(AdminHttp.Route(http, "provider")) is not { } provider)
        {
            await AdminHttp.NotFoundAsync(http, "payment provider").ConfigureAwait(false);
            return;
        }

        if (await ReadBodyAsync(http).ConfigureAwait(false) is not { } body)
        {
            logger.WebhookRejected(provider.Name, "the body is too large, incomplete or not UTF-8");
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status400BadRequest, "invalid_request_error", "The body is too large, incomplete or not UTF-8.").ConfigureAwait(false);
            return;
        }

        var read = provider.ReadWebhook(body, name => http.Request.Headers.TryGetValue(name, out var value) ? value.ToString() : null);
        if (read.Event is not { } paymentEvent)
        {
            logger.WebhookRejected(provider.Name, read.Rejection ?? "unverified");
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status400BadRequest, "invalid_request_error", "The delivery could not be verified: " + read.Rejection).ConfigureAwait(false);
            return;
        }

        PaymentApplication applied;
        try
        {
            // Not the client's token: once verified, the event is applied even if the provider hangs up.
            applied = await services.GetRequiredService<IPaymentStore>().ApplyAsync(paymentEvent, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (Storage.RelationalStore.IsUnavailable(e) && !http.Response.HasStarted)
        {
            // Nothing committed; the provider retries a delivery that did not get a 2xx.
            services.GetService<StoreHealth>()?.Failed("payment webhook", e);
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status503ServiceUnavailable, "api_error", "The store is unavailable; retry later.").ConfigureAwait(false);
            return;
        }

        string outcome = applied.Outcome.Name();
        switch (applied)
        {
            case { Outcome: PaymentOutcome.Credited, Entry: { } credit }:
                logger.PaymentCredited(applied.PaymentId!, credit.AccountId, credit.AmountMicros, paymentEvent.EventId, credit.Id);
                break;
            case { Outcome: PaymentOutcome.Refunded, Entry: { } debit }:
                logger.PaymentRefunded(applied.PaymentId!, -debit.AmountMicros, debit.AccountId, paymentEvent.EventId, debit.Id);
                break;
            case { Outcome: PaymentOutcome.Mismatch }:
                logger.WebhookMismatch(paymentEvent.EventId, paymentEvent.Type, provider.Name, outcome);
                break;
            default:
                logger.WebhookUnchanged(paymentEvent.EventId, paymentEvent.Type, provider.Name, paymentEvent.Detail.Length > 0 ? outcome + ": " + paymentEvent.Detail : outcome);
                break;
        }

        if (applied.Entry is not null && services.GetService<BillingBook>() is { } book)
        {
            // Balances are held in memory between refreshes: make the change count at once.
            await book.RefreshAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("received", true);
            w.WriteString("outcome", outcome);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task RefundAsync(HttpContext http)
    {
        var services = http.RequestServices;
        if (services.GetService<PaymentProviders>() is null)
        {
            await AdminHttp.NotFoundAsync(http, "payment (no payment provider is configured)").ConfigureAwait(false);
            return;
        }

        var payment = await services.GetRequiredService<IPaymentStore>().GetPaymentAsync(AdminHttp.Route(http, "paymentId"), http.RequestAborted).ConfigureAwait(false);
        if (payment is null)
        {
            await AdminHttp.NotFoundAsync(http, "payment").ConfigureAwait(false);
            return;
        }

        long amount = payment.AmountMicros - payment.RefundedMicros;
        if (http.Request.ContentLength is not 0)
        {
            using var body = await AdminHttp.ReadObjectAsync(http, AdminJsonContext.Default.RefundRequest).ConfigureAwait(false);
            if (body.RootElement.TryGetProperty("amount_usd", out _) || body.RootElement.TryGetProperty("amount_micros", out _))
            {
                amount = AdminInput.Amount(body.RootElement);
            }
        }

        if (payment.PaidAt is null || amount <= 0 || amount > payment.AmountMicros - payment.RefundedMicros)
        {
            throw new AdminInputException("amount_usd", "Only a paid payment refunds, by at most what is not refunded yet.");
        }

        var logger = services.GetRequiredService<ILogger<PaymentProviders>>();
        var provider = services.GetRequiredService<PaymentProviders>().Find(payment.Provider);
        var refund = provider is null
            ? new RefundResult(null, "its provider is no longer configured")
            : await provider.RefundAsync(payment, amount, http.RequestAborted).ConfigureAwait(false);
        if (refund.RefundId is not { } refundId)
        {
            logger.RefundFailed(payment.Id, refund.Error ?? "refused");
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status502BadGateway, "api_error", "The provider refused the refund: " + refund.Error).ConfigureAwait(false);
            return;
        }

        logger.RefundRequested(refundId, amount, payment.Id);
        var accepted = new RefundView("payment_refund", payment.Id, refundId, amount, "The balance is debited when the provider's refund webhook arrives.");
        await AdminHttp.WriteAsync(http, StatusCodes.Status202Accepted, accepted, AdminJsonContext.Default.RefundView).ConfigureAwait(false);
    }

    private static void WriteFields(Utf8JsonWriter w, Payment p)
    {
        w.WriteString("object", "payment");
        w.WriteString("id", p.Id);
        w.WriteString("provider", p.Provider);
        w.WriteString("account_id", p.AccountId);
        w.WriteString("status", p.Status);
        w.WriteNumber("amount_micros", p.AmountMicros);
        w.WriteNumber("refunded_micros", p.RefundedMicros);
        w.WriteString("session_id", p.SessionId);
        w.WriteString("created_at", p.CreatedAt);
        if (p.PaidAt is { } paid)
        {
            w.WriteString("paid_at", paid);
        }
        else
        {
            w.WriteNull("paid_at");
        }

        w.WriteString("ledger_entry_id", p.LedgerEntryId);
    }

    /// <summary>The body as text, exactly as sent (the signature covers these bytes), or null when it is larger than
    /// <see cref="MaxWebhookBytes"/>, ends early or is not UTF-8.</summary>
    private static async Task<string?> ReadBodyAsync(HttpContext http)
    {
        if (http.Request.ContentLength > MaxWebhookBytes)
        {
            return null;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxWebhookBytes + 1);
        try
        {
            int length = 0;
            int read;
            while (length <= MaxWebhookBytes
                && (read = await http.Request.Body.ReadAsync(buffer.AsMemory(length, MaxWebhookBytes + 1 - length), http.RequestAborted).ConfigureAwait(false)) > 0)
            {
                length += read;
            }

            return length > MaxWebhookBytes ? null : StrictUtf8.GetString(buffer, 0, length);
        }
        catch (Exception e) when (e is BadHttpRequestException or DecoderFallbackException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Task WriteAsync(HttpContext http, RelayError error) => ResponseWriter.WriteErrorAsync(http, SurfaceRegistry.OpenAI, error);
}
