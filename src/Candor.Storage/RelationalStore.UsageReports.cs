using Candor.Core.Accounts;
using Candor.Core.WebConsole;
using Candor.Storage.Sqlite;

namespace Candor.Storage;

internal abstract partial class RelationalStore : IUsageReports, IKeyOwners
{
    /// <inheritdoc/>
    public Task<Page<UsageRecord>> ListUsageFilteredAsync(string accountId, UsageFilter filter, int limit, string? cursor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, UsageReportsSql.SelectPage(filter)).Add("@account_id", accountId);
            if (filter.From is { } from)
            {
                select.Add("@from", DbValues.ToMillis(from));
            }

            if (filter.To is { } to)
            {
                select.Add("@to", DbValues.ToMillis(to));
            }

            if (filter.Model is { } model)
            {
                select.Add("@model", model);
            }

            if (filter.Outcome is { } outcome)
            {
                select.Add("@outcome", UsageSql.OutcomeName(outcome));
            }

            if (filter.KeyId is { } keyId)
            {
                select.Add("@key_id", keyId);
            }

            if (filter.OwnerPrincipal is { } owner)
            {
                select.Add("@owner", owner);
            }

            return await PageAsync(select, cursor, limit, UsageSql.Read, static u => new PageCursor(DbValues.ToMillis(u.CreatedAt), u.RequestId), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<UsageBucket>> GetUsageSeriesAsync(DateTimeOffset from, DateTimeOffset to, TimeSpan bucket, string? accountId, CancellationToken cancellationToken)
    {
        long bucketMillis = (long)bucket.TotalMilliseconds;
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketMillis, 1000L, nameof(bucket));
        return _db.ReadAsync<IReadOnlyList<UsageBucket>>(async (c, tx) =>
        {
            using var select = Command(c, tx, accountId is null ? UsageReportsSql.SelectSeries : UsageReportsSql.SelectSeriesOfAccount)
                .Add("@bucket", bucketMillis)
                .Add("@from", DbValues.ToMillis(from))
                .Add("@to", DbValues.ToMillis(to));
            if (accountId is not null)
            {
                select.Add("@account_id", accountId);
            }

            return await QueryAsync(select, UsageReportsSql.ReadBucket, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task SetKeyOwnerAsync(string accountId, string keyId, string principal, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var upsert = Command(c, tx, UsageReportsSql.UpsertOwner)
                .Add("@key_id", keyId)
                .Add("@account_id", accountId)
                .Add("@principal", principal)
                .Add("@created_at", DbValues.ToMillis(Now()));
            return await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<string?> GetKeyOwnerAsync(string accountId, string keyId, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, UsageReportsSql.SelectOwner).Add("@key_id", keyId).Add("@account_id", accountId);
            return await QuerySingleAsync(select, static r => r.GetString(0), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlySet<string>> ListOwnedKeysAsync(string accountId, string principal, CancellationToken cancellationToken) =>
        _db.ReadAsync<IReadOnlySet<string>>(async (c, tx) =>
        {
            using var select = Command(c, tx, UsageReportsSql.SelectOwned).Add("@account_id", accountId).Add("@principal", principal);
            return (await QueryAsync(select, static r => r.GetString(0), cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        }, cancellationToken);
}
