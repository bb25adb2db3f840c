using Candor.Core.Audit;
using Candor.Storage.Sqlite;

namespace Candor.Storage;

internal abstract partial class RelationalStore : IQuarantineStore
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
}
