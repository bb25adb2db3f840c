namespace Candor.Core.Accounts;

/// <summary>Usage read for reports: filtered pages of an account's records (the console's usage page and CSV export)
/// and totals per time bucket (the operator dashboard). Read-only; implemented by the relational store.</summary>
internal interface IUsageReports
{
    /// <summary>One page of the account's usage records matching <paramref name="filter"/>, newest first.</summary>
    Task<Page<UsageRecord>> ListUsageFilteredAsync(string accountId, UsageFilter filter, int limit, string? cursor, CancellationToken cancellationToken);

    /// <summary>Usage in [<paramref name="from"/>, <paramref name="to"/>) aggregated per bucket of
    /// <paramref name="bucket"/> (aligned to the Unix epoch), across every account or of one; buckets with no usage
    /// are left out. The caller bounds the range.</summary>
    Task<IReadOnlyList<UsageBucket>> GetUsageSeriesAsync(DateTimeOffset from, DateTimeOffset to, TimeSpan bucket, string? accountId, CancellationToken cancellationToken);
}
