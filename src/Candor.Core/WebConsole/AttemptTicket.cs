namespace Candor.Core.WebConsole;

/// <summary>One attempt, counted before it is made on every counter that limits it: each count is one atomic store
/// operation that returns the counter after counting (<see cref="IAttemptCounters.CountAttemptAsync"/>), so of N
/// concurrent attempts against a limit only as many as the limit allows pass, on one node or many. A refused attempt
/// is taken back at once (refusals do not count). An admitted attempt stays counted when <see cref="Keep"/> is called
/// (a failure, or an action that always counts); otherwise <see cref="DisposeAsync"/> takes it back. Counting and
/// taking back go on when the caller has gone: a client that disconnects at once must not escape the count.</summary>
internal sealed class AttemptTicket : IAsyncDisposable
{
    private readonly IAttemptCounters _counters;
    private readonly List<(string Key, AttemptCount Counted)> _counted;
    private bool _settled;

    private AttemptTicket(IAttemptCounters counters, List<(string Key, AttemptCount Counted)> counted, TimeSpan? retryAfter)
    {
        _counters = counters;
        _counted = counted;
        RetryAfter = retryAfter;
    }

    /// <summary>When the attempt was refused, how long until the last of the full counters' windows ends; null when admitted.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Counts one attempt on each of <paramref name="limits"/> (windows of <paramref name="window"/>). The
    /// attempt is refused when a count after counting exceeds its bound; it is then taken back before this returns.</summary>
    public static async Task<AttemptTicket> TakeAsync(IAttemptCounters counters, DateTimeOffset now, TimeSpan window, IReadOnlyList<AttemptLimit> limits)
    {
        ArgumentNullException.ThrowIfNull(counters);
        ArgumentNullException.ThrowIfNull(limits);
        var counted = new List<(string Key, AttemptCount Counted)>(limits.Count);
        TimeSpan? wait = null;
        foreach (var limit in limits)
        {
            var count = await counters.CountAttemptAsync(limit.Key, now, window, CancellationToken.None).ConfigureAwait(false);
            counted.Add((limit.Key, count));
            if (count.Failures > limit.Bound && count.WindowStart + window - now is var left && (wait is null || left > wait))
            {
                wait = left;
            }
        }

        var ticket = new AttemptTicket(counters, counted, wait);
        if (wait is not null)
        {
            await ticket.DisposeAsync().ConfigureAwait(false);
        }

        return ticket;
    }

    /// <summary>Leaves the attempt counted on every counter.</summary>
    public void Keep() => _settled = true;

    /// <summary>Forgets the counter of <paramref name="key"/> altogether (a success resets it); the attempt is still
    /// taken back from the other counters on <see cref="DisposeAsync"/>.</summary>
    public async Task ForgetAsync(string key, CancellationToken cancellationToken)
    {
        _counted.RemoveAll(c => string.Equals(c.Key, key, StringComparison.Ordinal));
        await _counters.ForgetAttemptsAsync(key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes the attempt back from every counter unless <see cref="Keep"/> was called. Once only.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_settled)
        {
            return;
        }

        _settled = true;
        foreach (var (key, counted) in _counted)
        {
            await _counters.UncountAttemptAsync(key, counted, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
