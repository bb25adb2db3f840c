using Candor.Core.WebConsole;
using Candor.Storage.Sqlite;

namespace Candor.Storage;

internal abstract partial class RelationalStore : IAttemptCounters
{
    /// <inheritdoc/>
    public Task<AttemptCount?> GetAttemptsAsync(string key, DateTimeOffset now, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, AttemptsSql.Select).Add("@name", key).Add("@now", DbValues.ToMillis(now));
            return await QuerySingleAsync(select, static r => new AttemptCount(r.GetTime(0), r.GetInt32(1)), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<AttemptCount> CountAttemptAsync(string key, DateTimeOffset now, TimeSpan window, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            long nowMillis = DbValues.ToMillis(now);
            AttemptCount counted;
            using (var count = Command(c, tx, AttemptsSql.Count).Add("@name", key).Add("@now", nowMillis).Add("@expires", DbValues.ToMillis(now + window)))
            {
                counted = (await QuerySingleAsync(count, static r => new AttemptCount(r.GetTime(0), r.GetInt32(1)), cancellationToken).ConfigureAwait(false))!;
            }

            // Each counter goes once its own window has ended, whatever the window of this call.
            using var prune = Command(c, tx, AttemptsSql.DeleteEnded).Add("@now", nowMillis);
            await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return counted;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task UncountAttemptAsync(string key, AttemptCount counted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(counted);
        return _db.WriteAsync(async (c, tx) =>
        {
            using var uncount = Command(c, tx, AttemptsSql.Uncount).Add("@name", key).Add("@window_start", DbValues.ToMillis(counted.WindowStart));
            return await uncount.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task ForgetAttemptsAsync(string key, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var delete = Command(c, tx, AttemptsSql.Delete).Add("@name", key);
            return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
}
