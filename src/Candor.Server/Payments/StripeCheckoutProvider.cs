using System.Globalization;
using System.Text.Json;
using Candor.Core.Configuration;
using Candor.Core.Payments;
using Stripe;
using Stripe.Checkout;

namespace Candor.Server.Payments;

/// <summary>Stripe Checkout through the official SDK (Stripe.net): a hosted payment page per top-up, in US dollars, one
/// line item priced at the amount; the webhook's <c>Stripe-Signature</c> verified with the SDK's
/// <see cref="EventUtility.ValidateSignature(string, string, string, long, long)"/> (HMAC-SHA256 over
/// <c>t.body</c> with the endpoint's secret, <c>t</c> within the tolerance of Candor's clock); refunds through the
/// Refunds API. Events read: <c>checkout.session.completed</c> and <c>checkout.session.async_payment_succeeded</c>
/// (paid: credit), <c>charge.refunded</c> (refunded total: debit what is new). docs/business.md, "Payments".</summary>
internal sealed class StripeCheckoutProvider : IPaymentProvider, IDisposable
{
    /// <summary>The name of the header Stripe signs its deliveries in.</summary>
    public const string SignatureHeader = "Stripe-Signature";

    private readonly StripeSettings _settings;
    private readonly TimeProvider _time;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly StripeClient _client;

    public StripeCheckoutProvider(StripeSettings settings, TimeProvider time)
    {
        _settings = settings;
        _time = time;
        _client = new StripeClient(new StripeClientOptions
        {
            ApiKey = settings.SecretKey,
            ApiBase = settings.ApiBase,
            HttpClient = new SystemNetHttpClient(_http, maxNetworkRetries: 2, appInfo: new AppInfo { Name = "Candor" }, enableTelemetry: false),
        });
    }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    /// <inheritdoc/>
    public string Name => "stripe";

    /// <inheritdoc/>
    public async Task<CheckoutResult> CreateCheckoutAsync(CheckoutRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (UsdMinorUnits.ToCents(request.AmountMicros) is not { } cents)
        {
            return CheckoutResult.Failed("the amount is not whole cents");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["candor_payment_id"] = request.PaymentId,
            ["candor_account_id"] = request.AccountId,
        };
        var options = new SessionCreateOptions
        {
            Mode = "payment",
            ClientReferenceId = request.PaymentId,
            SuccessUrl = request.SuccessUrl,
            CancelUrl = request.CancelUrl,
            Metadata = metadata,
            PaymentIntentData = new SessionPaymentIntentDataOptions { Metadata = new Dictionary<string, string>(metadata, StringComparer.Ordinal) },
            LineItems =
            [
                new SessionLineItemOptions
                {
                    Quantity = 1,
                    PriceData = new SessionLineItemPriceDataOptions
                    {
                        Currency = "usd",
                        UnitAmount = cents,
                        ProductData = new SessionLineItemPriceDataProductDataOptions { Name = _settings.ProductName },
                    },
                },
            ],
        };

        try
        {
            // The payment id as the idempotency key: the SDK's retries after a lost answer never open a second checkout.
            var session = await new SessionService(_client)
                .CreateAsync(options, new RequestOptions { IdempotencyKey = "candor-" + request.PaymentId }, cancellationToken).ConfigureAwait(false);
            return session is { Id.Length: > 0, Url.Length: > 0 }
                ? CheckoutResult.Opened(session.Id, session.Url)
                : CheckoutResult.Failed("Stripe answered without a checkout id or URL");
        }
        catch (StripeException e)
        {
            return CheckoutResult.Failed(Describe(e));
        }
        catch (HttpRequestException)
        {
            return CheckoutResult.Failed("Stripe could not be reached");
        }
    }

    /// <inheritdoc/>
    public async Task<RefundResult> RefundAsync(Payment payment, long amountMicros, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payment);
        if (payment.PaymentReference is not { } intent)
        {
            return new RefundResult(null, "the payment has no Stripe payment intent (not paid)");
        }

        if (UsdMinorUnits.ToCents(amountMicros) is not { } cents || cents == 0)
        {
            return new RefundResult(null, "the amount is not a positive number of whole cents");
        }

        try
        {
            var refund = await new RefundService(_client).CreateAsync(new RefundCreateOptions { PaymentIntent = intent, Amount = cents }, null, cancellationToken)
                .ConfigureAwait(false);
            return new RefundResult(refund.Id, null);
        }
        catch (StripeException e)
        {
            return new RefundResult(null, Describe(e));
        }
        catch (HttpRequestException)
        {
            return new RefundResult(null, "Stripe could not be reached");
        }
    }

    /// <inheritdoc/>
    public WebhookResult ReadWebhook(string body, Func<string, string?> header)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(header);
        if (header(SignatureHeader) is not { Length: > 0 and < 2048 } signature)
        {
            return WebhookResult.Rejected("no Stripe-Signature header");
        }

        try
        {
            EventUtility.ValidateSignature(body, signature, _settings.WebhookSecret, (long)_settings.Tolerance.TotalSeconds, _time.GetUtcNow().ToUnixTimeSeconds());
        }
        catch (Exception e) when (e is StripeException or FormatException or OverflowException or ArgumentException)
        {
            // The SDK's messages name the cause (no matching signature, outside the tolerance, malformed header); none holds the secret.
            return WebhookResult.Rejected(e is StripeException ? e.Message : "the Stripe-Signature header is malformed");
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return Read(document.RootElement);
        }
        catch (JsonException)
        {
            return WebhookResult.Rejected("the signed body is not a Stripe event");
        }
    }

    private WebhookResult Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || Text(root, "id") is not { } eventId || Text(root, "type") is not { } type
            || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
            || !data.TryGetProperty("object", out var obj) || obj.ValueKind != JsonValueKind.Object)
        {
            return WebhookResult.Rejected("the signed body is not a Stripe event");
        }

        var ignored = new PaymentEvent { Provider = Name, EventId = eventId, Type = type, Kind = PaymentEventKind.Ignored };
        switch (type)
        {
            case "checkout.session.completed" or "checkout.session.async_payment_succeeded":
            {
                // A completed checkout of a delayed method (bank debit) is unpaid until async_payment_succeeded.
                if (Text(obj, "payment_status") != "paid")
                {
                    return WebhookResult.Verified(ignored with { Detail = "checkout not paid yet" });
                }

                if (UsdMinorUnits.ToMicros(Number(obj, "amount_total") ?? -1, Text(obj, "currency")) is not { } paid)
                {
                    return WebhookResult.Verified(ignored with { Detail = "not an amount in USD" });
                }

                string? paymentId = Text(obj, "client_reference_id")
                    ?? (obj.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object ? Text(metadata, "candor_payment_id") : null);
                return WebhookResult.Verified(ignored with
                {
                    Kind = PaymentEventKind.Paid,
                    PaymentId = paymentId,
                    SessionId = Text(obj, "id"),
                    PaymentReference = Reference(obj, "payment_intent"),
                    AmountMicros = paid,
                });
            }

            case "charge.refunded":
            {
                if (UsdMinorUnits.ToMicros(Number(obj, "amount_refunded") ?? -1, Text(obj, "currency")) is not { } refunded)
                {
                    return WebhookResult.Verified(ignored with { Detail = "not an amount in USD" });
                }

                return WebhookResult.Verified(ignored with
                {
                    Kind = PaymentEventKind.Refunded,
                    PaymentReference = Reference(obj, "payment_intent"),
                    AmountMicros = refunded,
                    Detail = Text(obj, "id") is { } charge ? "charge " + charge : "",
                });
            }

            default:
                return WebhookResult.Verified(ignored with { Detail = "event type not used" });
        }
    }

    private static string? Text(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    private static long? Number(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long number) ? number : null;

    /// <summary>An id field that Stripe sends as the id, or as the object when expanded.</summary>
    private static string? Reference(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? Text(value, "id") : Text(obj, name);

    private static string Describe(StripeException e) => string.Create(CultureInfo.InvariantCulture,
        $"Stripe refused ({(int)e.HttpStatusCode}{(e.StripeError?.Code is { Length: > 0 } code ? " " + code : "")})");
}
