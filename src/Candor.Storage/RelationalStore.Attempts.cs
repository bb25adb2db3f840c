using Candor.Core.WebConsole;
using Candor.Storage.Sqlite;

namespace Candor.Storage;

internal abstract partial class RelationalStore : IAttemptCounters
{
    /// <inheritdoc/>
    public Task<AttemptCount?> GetAttemptsAsync(string key, DateTimeOffset now, TimeSpan window, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, AttemptsSql.Select)
                .Add("@name", key)
                .Add("@expired", DbValues.ToMillis(now - window));
            return await QuerySingleAsync(select, static r => new AttemptCount(r.GetTime(0), r.GetInt32(1)), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task CountAttemptAsync(string key, DateTimeOffset now, TimeSpan window, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            long expired = DbValues.ToMillis(now - window);
            using (var count = Command(c, tx, AttemptsSql.Count).Add("@name", key).Add("@now", DbValues.ToMillis(now)).Add("@expired", expired))
            {
                await count.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // Ended windows are kept a window longer (a counter read then is restarted anyway), then go.
            using var prune = Command(c, tx, AttemptsSql.DeleteEnded).Add("@expired", DbValues.ToMillis(now - window - window));
            return await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task ForgetAttemptsAsync(string key, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var delete = Command(c, tx, AttemptsSql.Delete).Add("@name", key);
            return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
}
