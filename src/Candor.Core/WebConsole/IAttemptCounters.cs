namespace Candor.Core.WebConsole;

/// <summary>Failed-attempt counters over fixed windows, kept in the store so every node of an installation counts
/// the same attempts (the console's sign-in throttle: N nodes do not multiply the allowance).</summary>
internal interface IAttemptCounters
{
    /// <summary>The counter of <paramref name="key"/> when its window is still open at <paramref name="now"/>, or null.</summary>
    Task<AttemptCount?> GetAttemptsAsync(string key, DateTimeOffset now, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>Counts one failure of <paramref name="key"/>: a window that ended is restarted at <paramref name="now"/>
    /// with a count of one. Atomic across nodes (one upsert). Windows ended long ago are deleted on the way.</summary>
    Task CountAttemptAsync(string key, DateTimeOffset now, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>Forgets the counter of <paramref name="key"/>.</summary>
    Task ForgetAttemptsAsync(string key, CancellationToken cancellationToken);
}
