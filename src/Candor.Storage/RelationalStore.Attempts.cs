using System.Data.Common;
using Candor.Core.WebConsole;
using Candor.Storage.Sqlite;

namespace Candor.Storage;

internal abstract partial class RelationalStore : IAttemptCounters
{
    /// <inheritdoc/>
    public async Task<AttemptCount?> GetAttemptsAsync(string key, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await GetAttemptsAsync([key], now, cancellationToken).ConfigureAwait(false))[0];

    /// <inheritdoc/>
    public Task<IReadOnlyList<AttemptCount?>> GetAttemptsAsync(IReadOnlyList<string> keys, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return _db.ReadAsync<IReadOnlyList<AttemptCount?>>(async (c, tx) =>
        {
            var found = new AttemptCount?[keys.Count];
            for (int i = 0; i < keys.Count; i++)
            {
                using var select = Command(c, tx, AttemptsSql.Select).Add("@name", keys[i]).Add("@now", DbValues.ToMillis(now));
                found[i] = await QuerySingleAsync(select, ReadCount, cancellationToken).ConfigureAwait(false);
            }

            return found;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<AttemptCount> CountAttemptAsync(string key, DateTimeOffset now, TimeSpan window, CancellationToken cancellationToken)
    {
        long nowMillis = DbValues.ToMillis(now);
        var counted = await _db.WriteAsync(async (c, tx) =>
        {
            using var count = Command(c, tx, AttemptsSql.Count).Add("@name", key).Add("@now", nowMillis).Add("@expires", DbValues.ToMillis(now + window));
            return (await QuerySingleAsync(count, ReadCount, cancellationToken).ConfigureAwait(false))!;
        }, cancellationToken).ConfigureAwait(false);

        // Each counter goes once its own window has ended, whatever the window of this call: one ended counter pruned
        // for each window that starts (not on every count), after the count has committed, so neither transaction holds
        // one counter's row while it waits for another's.
        if (counted.Failures == 1)
        {
            await PruneAttemptsAsync(now, cancellationToken).ConfigureAwait(false);
        }

        return counted;
    }

    /// <summary>Deletes the counter whose own window ended first, if one has ended at <paramref name="now"/>, in a
    /// transaction of its own.</summary>
    private Task PruneAttemptsAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var prune = Command(c, tx, AttemptsSql.DeleteEnded).Add("@now", DbValues.ToMillis(now));
            return await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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

    private static AttemptCount ReadCount(DbDataReader r) => new(r.GetTime(0), r.GetInt32(1));
}
