namespace Candor.Core.Import;

/// <summary>How an import converts: the source's flavor, the label its rows are recorded under, the quota units per
/// USD, and the instant the import runs at.</summary>
internal sealed record ImportSettings
{
    /// <summary>one-api's and new-api's <c>QuotaPerUnit</c> default: 500,000 quota = 1 USD (1 quota = 2 micro-USD).</summary>
    public const decimal DefaultQuotaPerUsd = 500_000m;

    /// <summary>The source platform.</summary>
    public required ImportFlavor Flavor { get; init; }

    /// <summary>The label imported rows are recorded under; two databases of one flavor need two labels.</summary>
    public required string Source { get; init; }

    /// <summary>Quota units per USD (positive).</summary>
    public decimal QuotaPerUsd { get; init; } = DefaultQuotaPerUsd;

    /// <summary>Now, at millisecond precision.</summary>
    public required DateTimeOffset Now { get; init; }
}
