namespace Candor.Core.WebConsole;

/// <summary>Attempt counters over fixed windows, kept in the store so every node of an installation counts the same
/// attempts (the console's sign-in throttle, redemption codes, checkouts: N nodes do not multiply the allowance).
/// Each counter keeps the end of its own window. Throttles count before they act and compare the count after counting
/// (<see cref="AttemptTicket"/>), so concurrent attempts cannot all pass a check before any is counted. Every write
/// touches one counter, so no transaction waits for a second counter while it holds one (no deadlock on PostgreSQL).</summary>
internal interface IAttemptCounters
{
    /// <summary>The counter of <paramref name="key"/> when its window is still open at <paramref name="now"/>, or null.</summary>
    Task<AttemptCount?> GetAttemptsAsync(string key, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The counters of <paramref name="keys"/> in their order, null where none is open at <paramref name="now"/>;
    /// one read.</summary>
    Task<IReadOnlyList<AttemptCount?>> GetAttemptsAsync(IReadOnlyList<string> keys, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Counts one attempt of <paramref name="key"/> and returns the counter after counting: a window that
    /// ended is restarted at <paramref name="now"/> for <paramref name="window"/> with a count of one. Atomic across
    /// nodes (one upsert). When a window starts, one counter whose own window has ended is deleted, in a transaction of
    /// its own.</summary>
    Task<AttemptCount> CountAttemptAsync(string key, DateTimeOffset now, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>Takes back one attempt that <see cref="CountAttemptAsync"/> counted as <paramref name="counted"/>;
    /// nothing when that window has since been restarted or forgotten.</summary>
    Task UncountAttemptAsync(string key, AttemptCount counted, CancellationToken cancellationToken);

    /// <summary>Forgets the counter of <paramref name="key"/>.</summary>
    Task ForgetAttemptsAsync(string key, CancellationToken cancellationToken);
}
