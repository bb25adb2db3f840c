namespace Candor.Core.Admission;

/// <summary>A bucket that holds up to <c>capacity</c> units and refills continuously at capacity per
/// minute, so a per-minute limit never allows a burst larger than the limit and the remaining count
/// recovers smoothly (OpenAI's limits behave this way). Not thread-safe: the owner locks.</summary>
/// <param name="capacity">The limit per minute, also the largest burst.</param>
/// <param name="now">The time it is created at (timestamp).</param>
/// <param name="frequency">Timestamp ticks per second.</param>
/// <param name="level">Units available at <paramref name="now"/>: full unless the owner says otherwise.</param>
internal sealed class TokenBucket(long capacity, long now, long frequency, double level)
{
    private double _level = level;

    public TokenBucket(long capacity, long now, long frequency)
        : this(capacity, now, frequency, capacity)
    {
    }

    private long _last = now;

    public long Capacity { get; private set; } = capacity;

    /// <summary>Units available now (whole units).</summary>
    public long Remaining(long now)
    {
        Refill(now);
        return (long)Math.Floor(_level);
    }

    /// <summary>Takes <paramref name="units"/> if available; otherwise says how long until they are.</summary>
    public bool TryTake(long units, long now, out TimeSpan wait)
    {
        Refill(now);
        if (_level >= units)
        {
            _level -= units;
            wait = TimeSpan.Zero;
            return true;
        }

        wait = units > Capacity ? TimeSpan.FromMinutes(1) : TimeSpan.FromMinutes((units - _level) / Capacity);
        return false;
    }

    /// <summary>Returns units taken but not used (never above capacity).</summary>
    public void Give(long units, long now)
    {
        Refill(now);
        _level = Math.Min(Capacity, _level + units);
    }

    /// <summary>Time until the bucket is full again.</summary>
    public TimeSpan UntilFull(long now)
    {
        Refill(now);
        return TimeSpan.FromMinutes((Capacity - _level) / Capacity);
    }

    /// <summary>Adopts a changed limit, keeping what was used.</summary>
    public void Resize(long capacity, long now)
    {
        Refill(now);
        double used = Capacity - _level;
        Capacity = capacity;
        _level = Math.Max(0, capacity - used);
    }

    private void Refill(long now)
    {
        double minutes = (now - _last) / (double)frequency / 60.0;
        _last = now;
        if (minutes > 0)
        {
            _level = Math.Min(Capacity, _level + (minutes * Capacity));
        }
    }
}
