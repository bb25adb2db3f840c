using System.Collections.Concurrent;

namespace Candor.Core.Accounts.Redemptions;

/// <summary>The brute-force limit on redemption: after <see cref="MaxFailures"/> unknown codes within
/// <see cref="Window"/> from one key, or from one client address, further attempts from it are refused until the
/// window ends. Only unknown codes count (a used or expired code is not a guess), so a crowd racing for one real code
/// is not throttled. Per node: with N nodes an attacker gets at most N times the budget, still hopeless against
/// 143-bit codes. Thread-safe; time from the injected <see cref="TimeProvider"/>.</summary>
internal sealed class RedeemThrottle(TimeProvider time)
{
    /// <summary>Unknown codes allowed per key and per address within a window.</summary>
    public const int MaxFailures = 10;

    /// <summary>The counting window.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    private const int PruneAbove = 10_000;

    private readonly ConcurrentDictionary<string, Counter> _failures = new(StringComparer.Ordinal);

    /// <summary>Seconds until <paramref name="keyId"/> or <paramref name="address"/> may try again, or null when both may try now.</summary>
    public int? RetryAfterSeconds(string keyId, string? address)
    {
        var now = time.GetUtcNow();
        TimeSpan? wait = Blocked("key:" + keyId, now);
        if (address is not null && Blocked("ip:" + address, now) is { } ipWait && (wait is null || ipWait > wait))
        {
            wait = ipWait;
        }

        return wait is { } w ? Math.Max(1, (int)Math.Ceiling(w.TotalSeconds)) : null;
    }

    /// <summary>Counts an unknown code against the key and the address.</summary>
    public void Failed(string keyId, string? address)
    {
        var now = time.GetUtcNow();
        if (_failures.Count > PruneAbove)
        {
            foreach (var (name, counter) in _failures)
            {
                if (now - counter.Start >= Window)
                {
                    _failures.TryRemove(name, out _);
                }
            }
        }

        Count("key:" + keyId, now);
        if (address is not null)
        {
            Count("ip:" + address, now);
        }
    }

    private TimeSpan? Blocked(string name, DateTimeOffset now) =>
        _failures.TryGetValue(name, out var counter) && now - counter.Start < Window && counter.Failures >= MaxFailures
            ? counter.Start + Window - now
            : null;

    private void Count(string name, DateTimeOffset now) =>
        _failures.AddOrUpdate(name, static (_, at) => new Counter(at, 1),
            static (_, counter, at) => at - counter.Start >= Window ? new Counter(at, 1) : counter with { Failures = counter.Failures + 1 }, now);

    private sealed record Counter(DateTimeOffset Start, int Failures);
}
