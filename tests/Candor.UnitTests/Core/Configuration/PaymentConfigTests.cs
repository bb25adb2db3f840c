using Candor.Core.Configuration;

namespace Candor.UnitTests.Core.Configuration;

/// <summary>The <c>payments</c> section (docs/configuration.md): Stripe's secrets come from environment variables only,
/// amounts are whole cents, and nothing the section holds prints a secret.</summary>
public sealed class PaymentConfigTests
{
    private const string Body = """
        server: { data_dir: /var/lib/candor }
        channels:
          - { id: oa, provider: openai, base_url: https://api.openai.com/v1, api_key_env: OPENAI_KEY }
        models:
          - { name: gpt, deployments: [{ channel: oa, model: gpt-4o-mini }] }
        payments:
          success_url: https://relay.example/paid
          cancel_url: https://relay.example/
        """;

    private static readonly HashSet<string> Providers = ["openai"];

    private static CandorConfig Load(string yaml, string? webhookSecret = "whsec_test_secret") =>
        new ConfigLoader(Providers, n => n switch
        {
            "OPENAI_KEY" => "sk-upstream",
            "STRIPE_SECRET_KEY" or "MY_STRIPE" => "sk_test_secret_value",
            "STRIPE_WEBHOOK_SECRET" => webhookSecret,
            _ => null,
        }).Load(yaml, "test.yaml");

    [Fact]
    public void StripeSection_ReadsTheSecretsFromTheEnvironment_AndNeverPrintsThem()
    {
        var config = Load(Body + "\n" + "  min_usd: \"2.50\"\n  stripe: { secret_key_env: MY_STRIPE, api_base: \"http://127.0.0.1:12111/\", tolerance: 2m }\n");

        var payments = Assert.IsType<PaymentSettings>(config.Payments);
        Assert.Equal(2_500_000, payments.MinMicros);
        var stripe = Assert.IsType<StripeSettings>(payments.Stripe);
        Assert.Equal(("sk_test_secret_value", "whsec_test_secret", "http://127.0.0.1:12111", TimeSpan.FromMinutes(2)),
            (stripe.SecretKey, stripe.WebhookSecret, stripe.ApiBase, stripe.Tolerance));
        string printed = config.ToString() + payments + stripe;
        Assert.DoesNotContain("sk_test_secret_value", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("whsec_test_secret", printed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("  stripe: { secret_key: sk_live_x }\n", "secret_key_env")]
    [InlineData("  stripe: {}\n  min_usd: \"0.005\"\n", "whole cents")]
    [InlineData("  stripe: {}\n  min_usd: \"50\"\n  max_usd: \"5\"\n", "min_usd is above max_usd")]
    [InlineData("  stripe: { colour: blue }\n", "unknown setting")]
    public void BadSettings_AreRefused(string extra, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => Load(Body + "\n" + extra));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingWebhookSecret_IsRefused_NamingTheVariable()
    {
        var e = Assert.Throws<ConfigException>(() => Load(Body + "\n" + "  stripe: {}\n", webhookSecret: null));
        Assert.Contains("STRIPE_WEBHOOK_SECRET", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoSection_OffersNoPayments() =>
        Assert.Null(Load(Body[..Body.IndexOf("payments:", StringComparison.Ordinal)]).Payments);
}
