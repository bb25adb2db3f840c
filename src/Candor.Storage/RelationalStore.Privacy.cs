using Candor.Core.Accounts;
using Candor.Core.Privacy;
using Candor.Storage.Sqlite;

namespace Candor.Storage;

internal abstract partial class RelationalStore : IPrivacyStore
{
    /// <inheritdoc/>
    public Task<IReadOnlyList<StoredPrivacy>> ListPrivacyAsync(CancellationToken cancellationToken) =>
        _db.ReadAsync<IReadOnlyList<StoredPrivacy>>(async (c, tx) =>
        {
            using var select = Command(c, tx, PrivacySql.SelectPolicies);
            return await QueryAsync(select, PrivacySql.ReadPolicy, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> SetPrivacyAsync(StoredPrivacy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return _db.WriteAsync(async (c, tx) =>
        {
            bool exists;
            if (policy.Subject == PrivacySubject.Account)
            {
                exists = await AccountExistsAsync(c, tx, policy.SubjectId, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                using var key = Command(c, tx, PrivacySql.KeyExists).Add("@id", policy.SubjectId);
                exists = await ScalarInt64Async(key, cancellationToken).ConfigureAwait(false) > 0;
            }

            if (!exists)
            {
                return false;
            }

            var routing = policy.Routing;
            using var upsert = Command(c, tx, PrivacySql.UpsertPolicy)
                .Add("@kind", PrivacySql.Kind(policy.Subject))
                .Add("@id", policy.SubjectId)
                .Add("@regions", routing.Regions is { } r ? DbValues.ToJsonList(r.Order(StringComparer.Ordinal).ToArray()) : DBNull.Value)
                .Add("@zero_retention", routing.ZeroRetentionOnly ? 1 : 0)
                .Add("@never_train", routing.NeverTrain ? 1 : 0)
                .Add("@history_enabled", policy.HistoryEnabled ? 1 : 0)
                .Add("@history_days", DbValues.ToDb(policy.HistoryRetentionDays))
                .Add("@redaction", policy.Redaction is { } redaction ? PrivacySql.ToRedactionJson(redaction) : DBNull.Value)
                .Add("@updated_at", DbValues.ToMillis(Now()));
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await BumpCounterAsync(c, tx, CountersSql.PrivacyVersion, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<HistoryDataKey?> GetHistoryKeyAsync(string accountId, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, PrivacySql.SelectKey).Add("@account_id", accountId);
            return await QuerySingleAsync(select, static r => new HistoryDataKey(r.GetString(0), r.GetString(1), Convert.FromBase64String(r.GetString(2))), cancellationToken)
                .ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<HistoryDataKey> AddHistoryKeyAsync(HistoryDataKey candidate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        return _db.WriteAsync(async (c, tx) =>
        {
            using (var insert = Command(c, tx, PrivacySql.InsertKeyIfMissing)
                .Add("@id", candidate.Id)
                .Add("@account_id", candidate.AccountId)
                .Add("@sealed_key", Convert.ToBase64String(candidate.Sealed))
                .Add("@created_at", DbValues.ToMillis(Now())))
            {
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            using var select = Command(c, tx, PrivacySql.SelectKey).Add("@account_id", candidate.AccountId);
            return (await QuerySingleAsync(select, static r => new HistoryDataKey(r.GetString(0), r.GetString(1), Convert.FromBase64String(r.GetString(2))), cancellationToken)
                .ConfigureAwait(false))!;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task AppendHistoryAsync(IReadOnlyList<HistoryEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return _db.WriteAsync(async (c, tx) =>
        {
            foreach (var e in entries)
            {
                using var insert = Command(c, tx, PrivacySql.InsertEntry)
                    .Add("@id", e.Id)
                    .Add("@account_id", e.AccountId)
                    .Add("@data_key_id", e.DataKeyId)
                    .Add("@request_id", e.RequestId)
                    .Add("@created_at", DbValues.ToMillis(e.CreatedAt))
                    .Add("@expires_at", DbValues.ToMillis(e.ExpiresAt))
                    .Add("@sealed", Convert.ToBase64String(e.Sealed));
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<HistoryEntry>> ListHistoryAsync(string accountId, int limit, CancellationToken cancellationToken) =>
        _db.ReadAsync<IReadOnlyList<HistoryEntry>>(async (c, tx) =>
        {
            using var select = Command(c, tx, PrivacySql.SelectEntries).Add("@account_id", accountId).Add("@limit", Math.Clamp(limit, 1, 10_000));
            return await QueryAsync(select, PrivacySql.ReadEntry, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<Page<HistoryEntry>> ListHistoryPageAsync(string accountId, int limit, string? cursor, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, PrivacySql.SelectEntriesPage).Add("@account_id", accountId);
            return await PageAsync(select, cursor, limit, PrivacySql.ReadEntry, static e => new PageCursor(DbValues.ToMillis(e.CreatedAt), e.Id), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public async Task<int> EraseHistoryAsync(string accountId, CancellationToken cancellationToken)
    {
        int deleted = await _db.WriteAsync(async (c, tx) =>
        {
            using (var key = Command(c, tx, PrivacySql.DeleteKey).Add("@account_id", accountId))
            {
                await key.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            using var entries = Command(c, tx, PrivacySql.DeleteEntries).Add("@account_id", accountId);
            return await entries.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        // secure_delete zeroed the rows in the pages written to the WAL; the checkpoint moves those pages into the
        // database file and truncates the WAL, so no earlier frame still holds the sealed key.
        await _db.CheckpointTruncateAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    /// <inheritdoc/>
    public Task<int> PurgeHistoryAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var purge = Command(c, tx, PrivacySql.PurgeEntries).Add("@now", DbValues.ToMillis(now));
            return await purge.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
}
