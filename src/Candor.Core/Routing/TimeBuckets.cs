namespace Candor.Core.Routing;

/// <summary>A sliding window of two counters in fixed time buckets (a ring): old buckets are cleared when
/// time moves past them. Not thread-safe; <see cref="DeploymentHealth"/> guards it.</summary>
internal sealed class TimeBuckets(int count)
{
    private readonly long[] _start = new long[count];
    private readonly long[] _a = new long[count];
    private readonly long[] _b = new long[count];

    /// <summary>Adds to the bucket of <paramref name="nowTicks"/>.</summary>
    public void Add(long nowTicks, long widthTicks, long a, long b)
    {
        long slot = nowTicks / widthTicks;
        int i = (int)(slot % _start.Length);
        if (_start[i] != slot)
        {
            _start[i] = slot;
            _a[i] = 0;
            _b[i] = 0;
        }

        _a[i] += a;
        _b[i] += b;
    }

    /// <summary>The sums over the buckets still inside the window that ends at <paramref name="nowTicks"/>.</summary>
    public (long A, long B) Sum(long nowTicks, long widthTicks)
    {
        long slot = nowTicks / widthTicks;
        long a = 0, b = 0;
        for (int i = 0; i < _start.Length; i++)
        {
            if (_start[i] > slot - _start.Length && _start[i] <= slot)
            {
                a += _a[i];
                b += _b[i];
            }
        }

        return (Math.Max(0, a), Math.Max(0, b));
    }

    /// <summary>When the oldest bucket holding anything leaves the window.</summary>
    public long OldestExpiry(long nowTicks, long widthTicks)
    {
        long slot = nowTicks / widthTicks;
        long oldest = slot;
        for (int i = 0; i < _start.Length; i++)
        {
            if (_start[i] > slot - _start.Length && _start[i] <= slot && (_a[i] != 0 || _b[i] != 0))
            {
                oldest = Math.Min(oldest, _start[i]);
            }
        }

        return (oldest + _start.Length) * widthTicks;
    }

    public void Clear() => Array.Clear(_start);
}
