namespace Candor.Core.Configuration;

/// <summary><c>payments.stripe</c>: the secret API key and the webhook endpoint's signing secret, both read from
/// environment variables the file names (never written in the file, never logged), and where the API is.</summary>
internal sealed class StripeSettings
{
    /// <summary>The secret API key (<c>sk_live_…</c>/<c>sk_test_…</c> or a restricted <c>rk_…</c>), from
    /// <c>secret_key_env</c> (default <c>STRIPE_SECRET_KEY</c>).</summary>
    public required string SecretKey { get; init; }

    /// <summary>The webhook endpoint's signing secret (<c>whsec_…</c>), from <c>webhook_secret_env</c> (default <c>STRIPE_WEBHOOK_SECRET</c>).</summary>
    public required string WebhookSecret { get; init; }

    /// <summary>The API's base address (<c>api_base</c>); null = Stripe's own. A local fake or stripe-mock in tests.</summary>
    public string? ApiBase { get; init; }

    /// <summary>How far a webhook's signed timestamp may be from now (<c>tolerance</c>, default 5 minutes, Stripe's own).</summary>
    public TimeSpan Tolerance { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The product name the checkout page shows (<c>product_name</c>).</summary>
    public string ProductName { get; init; } = "Prepaid credit";

    /// <inheritdoc/>
    public override string ToString() => "stripe (secrets withheld)";
}
