using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Payments;

/// <summary>Stripe Checkout top-ups through the real server, with the official SDK pointed at <see cref="FakeStripe"/>:
/// a member opens a checkout, Stripe's signed <c>checkout.session.completed</c> credits the account once; replays,
/// concurrent deliveries and a second event for the same checkout credit nothing more; forged, tampered, unsigned and
/// stale deliveries are refused with 400 and change nothing; refunds are debited once, by what they add. The webhook
/// signatures are computed here independently of the SDK (HMAC-SHA256 over <c>t.body</c>).</summary>
public sealed class PaymentTests
{
    private const string SecretKey = StripeHost.SecretKey;
    private const string WebhookSecret = StripeHost.WebhookSecret;

    private static async Task<CandorTestHost> StartAsync(FakeStripe stripe) => await CandorTestHost.Create()
        .Prefix("candor-pay-")
        .CaptureLogs()
        .WithStripe(stripe)
        .StartAsync();


    private static async Task<JsonElement> CheckoutAsync(CandorTestHost host, string key, string amountUsd)
    {
        var (status, text) = await host.SendAsync(key, HttpMethod.Post, "/v1/payments/checkout", $$"""{"amount_usd":"{{amountUsd}}"}""", Json.Timeout());
        Assert.True(status == 201, text);
        return Json.ParseOrDefault(text);
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Stripe's signature header for <paramref name="payload"/>: <c>t=…,v1=hex(HMAC-SHA256(secret, "t.payload"))</c>.</summary>
    private static string Sign(string payload, long timestamp, string secret = WebhookSecret)
    {
        string t = timestamp.ToString(CultureInfo.InvariantCulture);
        byte[] mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(t + "." + payload));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    private static string Completed(string eventId, JsonElement checkout, string paymentIntent, long? amountCents = null, string type = "checkout.session.completed") =>
        $$$$"""
        {"id":"{{{{eventId}}}}","object":"event","api_version":"2025-09-30.clover","created":{{{{Now()}}}},"livemode":false,"pending_webhooks":1,
         "request":{"id":null,"idempotency_key":null},"type":"{{{{type}}}}",
         "data":{"object":{"id":"{{{{checkout.GetProperty("session_id").GetString()}}}}","object":"checkout.session",
           "amount_subtotal":{{{{amountCents ?? checkout.GetProperty("amount_micros").GetInt64() / 10_000}}}},"amount_total":{{{{amountCents ?? checkout.GetProperty("amount_micros").GetInt64() / 10_000}}}},
           "client_reference_id":"{{{{checkout.GetProperty("id").GetString()}}}}","currency":"usd","livemode":false,
           "metadata":{"candor_payment_id":"{{{{checkout.GetProperty("id").GetString()}}}}"},"mode":"payment",
           "payment_intent":"{{{{paymentIntent}}}}","payment_status":"paid","status":"complete"}}}
        """;

    private static string ChargeRefunded(string eventId, string paymentIntent, long amountCents, long refundedCents) =>
        $$$$"""
        {"id":"{{{{eventId}}}}","object":"event","api_version":"2025-09-30.clover","created":{{{{Now()}}}},"livemode":false,"type":"charge.refunded",
         "data":{"object":{"id":"ch_test_1","object":"charge","amount":{{{{amountCents}}}},"amount_captured":{{{{amountCents}}}},
           "amount_refunded":{{{{refundedCents}}}},"currency":"usd","paid":true,"payment_intent":"{{{{paymentIntent}}}}",
           "refunded":{{{{(refundedCents == amountCents ? "true" : "false")}}}},"status":"succeeded"}}}
        """;

    private static async Task<(int Status, string Text)> DeliverAsync(CandorTestHost host, string payload, string? signature, CancellationToken cancellationToken)
    {
        using var client = host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
        }

        using var response = await client.SendAsync(request, cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    private static async Task<long> BalanceAsync(CandorTestHost host, string accountId)
    {
        var (_, text) = await host.SendAsync(host.OperatorKey, HttpMethod.Get, $"/admin/v1/accounts/{accountId}/balance", null, Json.Timeout());
        return Json.ParseOrDefault(text).GetProperty("balance_micros").GetInt64();
    }

    private static async Task<JsonElement> LedgerAsync(CandorTestHost host, string accountId)
    {
        var (_, text) = await host.SendAsync(host.OperatorKey, HttpMethod.Get, $"/admin/v1/accounts/{accountId}/ledger", null, Json.Timeout());
        return Json.ParseOrDefault(text).GetProperty("data");
    }

    private static string Outcome(string text) => Json.ParseOrDefault(text).GetProperty("outcome").GetString()!;

    [Fact]
    public async Task Checkout_SignedWebhook_CreditsOnce_ForgedAndReplayedChangeNothing()
    {
        await using var stripe = await FakeStripe.StartAsync(Json.Timeout());
        await using var host = await StartAsync(stripe);
        var (accountId, key) = await host.MemberAsync("buyer");

        var checkout = await CheckoutAsync(host, key, "12.34");
        Assert.Equal(12_340_000, checkout.GetProperty("amount_micros").GetInt64());
        Assert.Equal("open", checkout.GetProperty("status").GetString());
        string paymentId = checkout.GetProperty("id").GetString()!;
        Assert.StartsWith("https://checkout.stripe.test/c/pay/cs_test_", checkout.GetProperty("checkout_url").GetString(), StringComparison.Ordinal);

        // What the SDK sent Stripe: one USD line item of 1234 cents, Candor's payment id to come back in the webhook.
        var (path, form, authorization, idempotency) = Assert.Single(stripe.Requests);
        Assert.Equal("/v1/checkout/sessions", path);
        Assert.Equal("Bearer " + SecretKey, authorization);
        Assert.Equal("candor-" + paymentId, idempotency);
        Assert.Equal("payment", form["mode"]);
        Assert.Equal("1234", form["line_items[0][price_data][unit_amount]"]);
        Assert.Equal("usd", form["line_items[0][price_data][currency]"]);
        Assert.Equal("1", form["line_items[0][quantity]"]);
        Assert.Equal("Candor credit", form["line_items[0][price_data][product_data][name]"]);
        Assert.Equal(paymentId, form["client_reference_id"]);
        Assert.Equal("https://shop.example/paid", form["success_url"]);

        string genuine = Completed("evt_test_1", checkout, "pi_test_1");
        var ct = Json.Timeout(60);
        // Forged: another secret; stale: correctly signed ten minutes ago (tolerance 5 min); tampered: the amount changed
        // after signing; unsigned; a malformed header; a signature of the right body but no timestamp.
        string tampered = genuine.Replace("\"amount_total\":1234", "\"amount_total\":999999", StringComparison.Ordinal);
        Assert.NotEqual(genuine, tampered);
        foreach (var (payload, signature) in new (string, string?)[]
        {
            (genuine, Sign(genuine, Now(), "whsec_someone_else")),
            (genuine, Sign(genuine, Now() - 600)),
            (genuine, Sign(genuine, Now() + 600)),
            (tampered, Sign(genuine, Now())),
            (genuine, null),
            (genuine, "garbage"),
            (genuine, Sign(genuine, Now()).Split(',')[1]),
            (genuine, "t=notanumber," + Sign(genuine, Now()).Split(',')[1]),
        })
        {
            var (status, text) = await DeliverAsync(host, payload, signature, ct);
            Assert.True(status == 400, $"{signature}: {status} {text}");
        }

        Assert.Equal(0, await BalanceAsync(host, accountId));

        var (okStatus, okText) = await DeliverAsync(host, genuine, Sign(genuine, Now()), ct);
        Assert.True(okStatus == 200, okText);
        Assert.Equal("credited", Outcome(okText));
        Assert.Equal(12_340_000, await BalanceAsync(host, accountId));

        // The same delivery again (Stripe retries), re-signed later; then another event for the same checkout.
        var (replayStatus, replayText) = await DeliverAsync(host, genuine, Sign(genuine, Now()), ct);
        Assert.Equal(200, replayStatus);
        Assert.Equal("replayed", Outcome(replayText));
        string second = Completed("evt_test_2", checkout, "pi_test_1", type: "checkout.session.async_payment_succeeded");
        var (_, secondText) = await DeliverAsync(host, second, Sign(second, Now()), ct);
        Assert.Equal("already_credited", Outcome(secondText));
        Assert.Equal(12_340_000, await BalanceAsync(host, accountId));

        var entry = Assert.Single((await LedgerAsync(host, accountId)).EnumerateArray());
        Assert.Equal("top_up", entry.GetProperty("kind").GetString());
        Assert.Contains(paymentId, entry.GetProperty("note").GetString(), StringComparison.Ordinal);

        // The member sees it paid; the credit is spendable at once (/v1/balance).
        var (_, paymentText) = await host.SendAsync(key, HttpMethod.Get, "/v1/payments/" + paymentId, null, Json.Timeout());
        Assert.Equal("paid", Json.ParseOrDefault(paymentText).GetProperty("status").GetString());
        var (_, balanceText) = await host.SendAsync(key, HttpMethod.Get, "/v1/balance", null, Json.Timeout());
        Assert.Equal(12_340_000, Json.ParseOrDefault(balanceText).GetProperty("balance_micros").GetInt64());
        var (_, otherKey) = await host.MemberAsync("other");
        var (otherStatus, _) = await host.SendAsync(otherKey, HttpMethod.Get, "/v1/payments/" + paymentId, null, Json.Timeout());
        Assert.Equal(404, otherStatus);

        string logs = string.Join('\n', host.Logs.Lines);
        Assert.Contains("credited to account", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(WebhookSecret, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretKey, logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FiftyParallelDeliveriesOfOneEvent_CreditOnce()
    {
        await using var stripe = await FakeStripe.StartAsync(Json.Timeout());
        await using var host = await StartAsync(stripe);
        var (accountId, key) = await host.MemberAsync("crowd");
        var checkout = await CheckoutAsync(host, key, "50");
        string payload = Completed("evt_crowd", checkout, "pi_crowd");
        string signature = Sign(payload, Now());

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => DeliverAsync(host, payload, signature, Json.Timeout(60))));

        Assert.All(results, static r => Assert.Equal(200, r.Status));
        Assert.Single(results, static r => Outcome(r.Text) == "credited");
        Assert.Equal(49, results.Count(static r => Outcome(r.Text) == "replayed"));
        Assert.Equal(50_000_000, await BalanceAsync(host, accountId));
        Assert.Single((await LedgerAsync(host, accountId)).EnumerateArray());
    }

    [Fact]
    public async Task Refund_ThroughStripe_DebitsOnceByWhatItAdds()
    {
        await using var stripe = await FakeStripe.StartAsync(Json.Timeout());
        await using var host = await StartAsync(stripe);
        var (accountId, key) = await host.MemberAsync("refunded");
        var checkout = await CheckoutAsync(host, key, "20");
        string paymentId = checkout.GetProperty("id").GetString()!;
        string paid = Completed("evt_paid", checkout, "pi_refund");
        Assert.Equal("credited", Outcome((await DeliverAsync(host, paid, Sign(paid, Now()), Json.Timeout())).Text));

        // The operator asks for $5 back: the SDK calls Stripe's Refunds API; nothing changes until Stripe reports it.
        var (refundStatus, refundText) = await host.SendAsync(host.OperatorKey, HttpMethod.Post, $"/admin/v1/payments/{paymentId}/refund", """{"amount_usd":"5"}""", Json.Timeout());
        Assert.True(refundStatus == 202, refundText);
        var refundCall = stripe.Requests.Last();
        Assert.Equal("/v1/refunds", refundCall.Path);
        Assert.Equal("pi_refund", refundCall.Form["payment_intent"]);
        Assert.Equal("500", refundCall.Form["amount"]);
        Assert.Equal(20_000_000, await BalanceAsync(host, accountId));

        string first = ChargeRefunded("evt_refund_1", "pi_refund", 2000, 500);
        Assert.Equal("refunded", Outcome((await DeliverAsync(host, first, Sign(first, Now()), Json.Timeout())).Text));
        Assert.Equal(15_000_000, await BalanceAsync(host, accountId));
        Assert.Equal("replayed", Outcome((await DeliverAsync(host, first, Sign(first, Now()), Json.Timeout())).Text));
        string again = ChargeRefunded("evt_refund_1b", "pi_refund", 2000, 500);
        Assert.Equal("nothing_new_refunded", Outcome((await DeliverAsync(host, again, Sign(again, Now()), Json.Timeout())).Text));
        string forged = ChargeRefunded("evt_refund_forged", "pi_refund", 2000, 2000);
        Assert.Equal(400, (await DeliverAsync(host, forged, Sign(forged, Now(), "whsec_wrong"), Json.Timeout())).Status);
        Assert.Equal(15_000_000, await BalanceAsync(host, accountId));

        // The rest refunded in Stripe's dashboard: the cumulative total 2000 cents debits the remaining $15.
        string rest = ChargeRefunded("evt_refund_2", "pi_refund", 2000, 2000);
        Assert.Equal("refunded", Outcome((await DeliverAsync(host, rest, Sign(rest, Now()), Json.Timeout())).Text));
        Assert.Equal(0, await BalanceAsync(host, accountId));
        var ledger = (await LedgerAsync(host, accountId)).EnumerateArray().ToList();
        Assert.Equal(3, ledger.Count);
        Assert.Equal(0, ledger.Sum(static e => e.GetProperty("amount_micros").GetInt64()));
        Assert.Equal(new long[] { -15_000_000, -5_000_000 }, ledger.Where(static e => e.GetProperty("kind").GetString() == "adjustment").Select(static e => e.GetProperty("amount_micros").GetInt64()));

        var (overStatus, _) = await host.SendAsync(host.OperatorKey, HttpMethod.Post, $"/admin/v1/payments/{paymentId}/refund", """{"amount_usd":"1"}""", Json.Timeout());
        Assert.Equal(400, overStatus);
    }

    [Fact]
    public async Task CheckoutInput_IsChecked_AndAProviderRefusalIsA502()
    {
        await using var stripe = await FakeStripe.StartAsync(Json.Timeout());
        await using var host = await StartAsync(stripe);
        var (accountId, key) = await host.MemberAsync("careful");

        foreach (string body in (string[])["""{"amount_usd":"0.005"}""", """{"amount_usd":"0.99"}""", """{"amount_usd":"500.01"}""", """{"amount_usd":"5","currency":"eur"}""", """{}"""])
        {
            var (status, text) = await host.SendAsync(key, HttpMethod.Post, "/v1/payments/checkout", body, Json.Timeout());
            Assert.True(status == 400, body + " " + text);
        }

        Assert.Empty(stripe.Requests);
        var (unauthenticated, _) = await host.SendAsync(null, HttpMethod.Post, "/v1/payments/checkout", """{"amount_usd":"5"}""", Json.Timeout());
        Assert.Equal(401, unauthenticated);

        stripe.RefuseNextCheckout = true;
        var (refused, refusedText) = await host.SendAsync(key, HttpMethod.Post, "/v1/payments/checkout", """{"amount_usd":"5"}""", Json.Timeout());
        Assert.True(refused == 502, refusedText);
        Assert.Contains("payment_provider_error", refusedText, StringComparison.Ordinal);

        // A webhook for a checkout Candor never opened, or in another currency, credits nothing.
        string foreign = """{"id":"evt_foreign","object":"event","type":"checkout.session.completed","data":{"object":{"id":"cs_elsewhere","object":"checkout.session","amount_total":500,"currency":"usd","client_reference_id":"pay_not_ours","payment_status":"paid","payment_intent":"pi_x"}}}""";
        Assert.Equal("unknown_payment", Outcome((await DeliverAsync(host, foreign, Sign(foreign, Now()), Json.Timeout())).Text));
        var checkout = await CheckoutAsync(host, key, "5");
        string euros = Completed("evt_eur", checkout, "pi_eur").Replace("\"currency\":\"usd\"", "\"currency\":\"eur\"", StringComparison.Ordinal);
        Assert.Equal("ignored", Outcome((await DeliverAsync(host, euros, Sign(euros, Now()), Json.Timeout())).Text));
        var (unknownProvider, _) = await SendToAsync(host, "/webhooks/paypal", foreign);
        Assert.Equal(404, unknownProvider);
        Assert.Equal(0, await BalanceAsync(host, accountId));
    }

    private static async Task<(int Status, string Text)> SendToAsync(CandorTestHost host, string path, string payload)
    {
        using var client = host.CreateClient();
        using var response = await client.PostAsync(path, new StringContent(payload, Encoding.UTF8, "application/json"), Json.Timeout());
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Json.Timeout()));
    }
}
