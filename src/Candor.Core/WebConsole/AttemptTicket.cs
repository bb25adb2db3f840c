namespace Candor.Core.WebConsole;

/// <summary>One attempt, counted before it is made on every counter that limits it. An attempt that a counter already
/// refuses is refused on a read, without a write (a blocked guesser costs the store reads only). Otherwise it is
/// counted, one atomic store operation per counter that returns the count after counting
/// (<see cref="IAttemptCounters.CountAttemptAsync"/>), so of N concurrent attempts against a limit at most as many as
/// the limit allows pass, on one node or many; one that a count puts over a bound is taken back at once (refusals do
/// not count). An admitted attempt stays counted when <see cref="Keep"/> is called (a failure, or an action that always
/// counts); otherwise <see cref="DisposeAsync"/> takes it back. Counting and taking back go on when the caller has gone:
/// a client that disconnects at once must not escape the count.</summary>
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
    /// attempt is refused when a counter is full already, or when its count after counting exceeds its bound; a refused
    /// attempt is not counted. <paramref name="cancellationToken"/> cancels the first read only.</summary>
    public static async Task<AttemptTicket> TakeAsync(
        IAttemptCounters counters, DateTimeOffset now, TimeSpan window, IReadOnlyList<AttemptLimit> limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(counters);
        ArgumentNullException.ThrowIfNull(limits);
        var keys = new string[limits.Count];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = limits[i].Key;
        }

        var counted = new List<(string Key, AttemptCount Counted)>(limits.Count);
        var seen = await counters.GetAttemptsAsync(keys, now, cancellationToken).ConfigureAwait(false);
        if (Refusal(limits, seen, now, window, 0) is { } full)
        {
            return new AttemptTicket(counters, counted, full);
        }

        var counts = new AttemptCount?[limits.Count];
        for (int i = 0; i < keys.Length; i++)
        {
            counts[i] = await counters.CountAttemptAsync(keys[i], now, window, CancellationToken.None).ConfigureAwait(false);
            counted.Add((keys[i], counts[i]!));
        }

        var ticket = new AttemptTicket(counters, counted, Refusal(limits, counts, now, window, 1));
        if (ticket.RetryAfter is not null)
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
        await _counters.ForgetAttemptsAsync(key, cancellationToken).ConfigureAwait(false);
        _counted.RemoveAll(c => string.Equals(c.Key, key, StringComparison.Ordinal));
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

    /// <summary>The longest wait among the counters over their bound (a count above <c>bound - 1 + slack</c>: full
    /// before counting with a slack of 0, over after counting with 1), or null.</summary>
    private static TimeSpan? Refusal(IReadOnlyList<AttemptLimit> limits, IReadOnlyList<AttemptCount?> counts, DateTimeOffset now, TimeSpan window, int slack)
    {
        TimeSpan? wait = null;
        for (int i = 0; i < limits.Count; i++)
        {
            if (counts[i] is { } count && count.Failures >= limits[i].Bound + slack && count.WindowStart + window - now is var left
                && (wait is null || left > wait))
            {
                wait = left;
            }
        }

        return wait;
    }
}
