using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Payments;

/// <summary>The one host preset of the Stripe tests: a data directory, one OpenAI model over the emulator, payments between
/// $1 and $500 through the Stripe SDK pointed at <see cref="FakeStripe"/>, and the Stripe secrets in the environment.</summary>
internal static class StripeHost
{
    public const string SecretKey = "sk_test_candor_fake_secret_key";

    public const string WebhookSecret = "whsec_candor_test_endpoint_secret";

    /// <summary>The preset on <paramref name="builder"/>; the caller adds what its tests need (logs, a prefix) and starts it.</summary>
    public static CandorTestHost.Builder WithStripe(this CandorTestHost.Builder builder, FakeStripe stripe) => builder
        .WithClientTimeout(TimeSpan.FromSeconds(30))
        .Env("STRIPE_SECRET_KEY", SecretKey)
        .Env("STRIPE_WEBHOOK_SECRET", WebhookSecret)
        .Yaml(emu => $$"""
        server:
          data_dir: data
        channels:
          - { id: oa, provider: openai, base_url: {{emu}}/v1, api_key_env: UPSTREAM_KEY }
        models:
          - { name: m, deployments: [{ channel: oa, model: gpt-4o-mini }] }
        payments:
          success_url: https://shop.example/paid
          cancel_url: https://shop.example/cancelled
          min_usd: "1"
          max_usd: "500"
          stripe:
            api_base: {{stripe.BaseAddress}}
            product_name: Candor credit
        """);
}
