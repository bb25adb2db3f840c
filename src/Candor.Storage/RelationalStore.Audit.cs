using Candor.Core.Audit;
using Candor.Storage.Sqlite;

namespace Candor.Storage;

internal abstract partial class RelationalStore : IQuarantineStore, IAuditEvidenceStore
{
    /// <inheritdoc/>
    public Task<IReadOnlyList<QuarantineEntry>> ListQuarantinesAsync(CancellationToken cancellationToken) =>
        _db.ReadAsync<IReadOnlyList<QuarantineEntry>>(async (c, tx) =>
        {
            using var select = Command(c, tx, AuditSql.SelectQuarantines);
            return await QueryAsync(select, static r => new QuarantineEntry(r.GetString(0), r.GetString(1), r.GetString(2), DbValues.FromMillis(r.GetInt64(3))), cancellationToken)
                .ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> AddQuarantineAsync(QuarantineEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return _db.WriteAsync(async (c, tx) =>
        {
            using var insert = Command(c, tx, AuditSql.InsertQuarantine)
                .Add("@channel_id", entry.ChannelId)
                .Add("@reason", entry.Reason)
                .Add("@test", entry.Test)
                .Add("@since", DbValues.ToMillis(entry.Since));
            bool added = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
            await BumpCounterAsync(c, tx, CountersSql.QuarantinesVersion, cancellationToken).ConfigureAwait(false);
            return added;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> RemoveQuarantineAsync(string channelId, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var delete = Command(c, tx, AuditSql.DeleteQuarantine).Add("@channel_id", channelId);
            bool removed = await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
            await BumpCounterAsync(c, tx, CountersSql.QuarantinesVersion, cancellationToken).ConfigureAwait(false);
            return removed;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<AuditEvidenceRecord>> ListEvidenceAsync(CancellationToken cancellationToken) =>
        _db.ReadAsync<IReadOnlyList<AuditEvidenceRecord>>(async (c, tx) =>
        {
            using var select = Command(c, tx, AuditSql.SelectEvidence);
            return await QueryAsync(select, static r => new AuditEvidenceRecord(
                r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetString(3), r.GetString(4), DbValues.FromMillis(r.GetInt64(5))), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task SaveEvidenceAsync(AuditEvidenceRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return _db.WriteAsync(async (c, tx) =>
        {
            using var upsert = Command(c, tx, AuditSql.UpsertEvidence)
                .Add("@target", record.Target)
                .Add("@channel_id", record.ChannelId)
                .Add("@round_number", record.Round)
                .Add("@suspects", record.Suspects)
                .Add("@evidence", record.Evidence)
                .Add("@updated_at", DbValues.ToMillis(record.UpdatedAt));
            return await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task DeleteEvidenceAsync(string channelId, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var delete = Command(c, tx, AuditSql.DeleteEvidence).Add("@channel_id", channelId);
            return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
}
