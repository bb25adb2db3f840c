namespace Candor.Core.Configuration;

/// <summary>The <c>payments</c> section: online top-ups (docs/business.md, "Payments"; docs/configuration.md). Absent: no
/// payment endpoints. A class, not a record, so that no generated <c>ToString</c> ever prints the secrets it holds.</summary>
internal sealed class PaymentSettings
{
    /// <summary>Where the payer's browser goes after paying (<c>payments.success_url</c>).</summary>
    public required string SuccessUrl { get; init; }

    /// <summary>Where it goes when the payer gives up (<c>payments.cancel_url</c>).</summary>
    public required string CancelUrl { get; init; }

    /// <summary>The smallest top-up, micro-USD (<c>payments.min_usd</c>, default 1).</summary>
    public long MinMicros { get; init; } = 1_000_000;

    /// <summary>The largest top-up, micro-USD (<c>payments.max_usd</c>, default 10,000).</summary>
    public long MaxMicros { get; init; } = 10_000_000_000;

    /// <summary>Stripe Checkout (<c>payments.stripe</c>); null = not offered.</summary>
    public StripeSettings? Stripe { get; init; }
}
