using Candor.FunctionalTests.Infrastructure;
using Candor.FunctionalTests.Payments;
using Candor.Server.Payments;

namespace Candor.FunctionalTests.WebConsole;

/// <summary>A member opens a Stripe checkout from its console session (the SDK pointed at <see cref="FakeStripe"/>):
/// the payment is the account's, the answer carries the hosted page's URL; openings are limited per account in the
/// store, so the console and the key route share one count; another account's checkout is closed to the session.</summary>
public sealed class ConsoleCheckoutTests
{
    private static async Task<CandorTestHost> StartAsync(FakeStripe stripe) => await CandorTestHost.Create()
        .Prefix("candor-console-pay-")
        .WithStripe(stripe)
        .StartAsync();

    [Fact]
    public async Task Member_OpensACheckoutFromItsSession_AndOpeningsAreLimitedPerAccount()
    {
        await using var stripe = await FakeStripe.StartAsync(Json.Timeout());
        await using var host = await StartAsync(stripe);
        var (accountId, key) = await host.MemberAsync("console buyer");
        var (otherAccount, _) = await host.MemberAsync("someone else");
        await ConsoleLogins.CreateAsync(host, "buyer@example.com", invitation: $"\"account_id\":\"{accountId}\",\"role\":\"member\"");
        using var session = new ConsoleClient(host.BaseAddress);
        var (signedIn, who) = await session.SignInAsync("buyer@example.com", ConsoleFixture.Password);
        Assert.Equal(200, signedIn);
        Assert.True(who.GetProperty("payments").GetBoolean());

        string checkout = $"/admin/v1/accounts/{accountId}/payments/checkout";
        var (status, payment) = await session.SendAsync(HttpMethod.Post, checkout, """{"amount_usd":"12.34"}""");
        Assert.Equal(201, status);
        Assert.Equal(accountId, payment.GetProperty("account_id").GetString());
        Assert.Equal(12_340_000, payment.GetProperty("amount_micros").GetInt64());
        Assert.StartsWith("https://checkout.stripe.test/c/pay/cs_test_", payment.GetProperty("checkout_url").GetString(), StringComparison.Ordinal);
        Assert.Single(stripe.Requests);

        // Refusals in the admin envelope: an amount out of range, another account, no CSRF token.
        var (tooSmall, small) = await session.SendAsync(HttpMethod.Post, checkout, """{"amount_usd":"0.50"}""");
        Assert.Equal(400, tooSmall);
        Assert.Equal("amount_usd", small.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(403, (await session.SendAsync(HttpMethod.Post, $"/admin/v1/accounts/{otherAccount}/payments/checkout", """{"amount_usd":"5"}""")).Status);
        Assert.Equal(403, (await session.SendAsync(HttpMethod.Post, checkout, """{"amount_usd":"5"}""", csrf: false)).Status);

        // The key route and the console count together: the 20th opening passes, the 21st from either is refused.
        for (int i = 1; i < PaymentEndpoints.CheckoutsPerAccount; i++)
        {
            int opened = i % 2 == 0
                ? (await host.SendAsync(key, HttpMethod.Post, "/v1/payments/checkout", """{"amount_usd":"2"}""", Json.Timeout())).Status
                : (await session.SendAsync(HttpMethod.Post, checkout, """{"amount_usd":"2"}""")).Status;
            Assert.Equal(201, opened);
        }

        var (refused, limited) = await session.SendAsync(HttpMethod.Post, checkout, """{"amount_usd":"2"}""");
        Assert.Equal(429, refused);
        Assert.Equal("too_many_checkouts", limited.GetProperty("error").GetProperty("code").GetString());
        var (keyRefused, _) = await host.SendAsync(key, HttpMethod.Post, "/v1/payments/checkout", """{"amount_usd":"2"}""", Json.Timeout());
        Assert.Equal(429, keyRefused);
        Assert.Equal(PaymentEndpoints.CheckoutsPerAccount, stripe.Requests.Count);

        // Another account still opens its own.
        var (_, otherKey) = await host.SendAsync(host.OperatorKey, HttpMethod.Post, $"/admin/v1/accounts/{otherAccount}/keys", """{"name":"k"}""", Json.Timeout());
        var (otherOpened, _) = await host.SendAsync(Json.ParseOrDefault(otherKey).GetProperty("key").GetString(), HttpMethod.Post, "/v1/payments/checkout", """{"amount_usd":"2"}""", Json.Timeout());
        Assert.Equal(201, otherOpened);
    }
}
