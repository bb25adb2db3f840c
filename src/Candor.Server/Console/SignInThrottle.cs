using System.Collections.Concurrent;

namespace Candor.Server.WebConsole;

/// <summary>Counts failed sign-ins per (principal, client address) and per client address over a fixed window, and
/// refuses further attempts once a count reaches its bound, until the window ends. In memory, per node: with several
/// nodes an attacker gets each node's allowance (docs/console.md).</summary>
internal sealed class SignInThrottle(TimeProvider time)
{
    /// <summary>Failed attempts allowed per principal and address in one window.</summary>
    public const int PerPrincipal = 5;

    /// <summary>Failed attempts allowed per address (any principal) in one window.</summary>
    public const int PerAddress = 50;

    /// <summary>The window.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, Entry> _failures = new(StringComparer.Ordinal);

    /// <summary>When attempts for this pair are refused, how long until they are allowed again; otherwise null.</summary>
    public TimeSpan? RetryAfter(string principal, string address)
    {
        var now = time.GetUtcNow();
        return Blocked(PrincipalKey(principal, address), PerPrincipal, now) ?? Blocked(AddressKey(address), PerAddress, now);
    }

    /// <summary>Counts one failed attempt.</summary>
    public void Failed(string principal, string address)
    {
        var now = time.GetUtcNow();
        if (_failures.Count >= MaxEntries)
        {
            Prune(now);
        }

        Count(PrincipalKey(principal, address), now);
        Count(AddressKey(address), now);
    }

    /// <summary>Forgets the pair's failures after a successful sign-in (the address's count stays).</summary>
    public void Succeeded(string principal, string address) => _failures.TryRemove(PrincipalKey(principal, address), out _);

    private TimeSpan? Blocked(string key, int bound, DateTimeOffset now) =>
        _failures.TryGetValue(key, out var e) && e.Count >= bound && now < e.Start + Window ? e.Start + Window - now : null;

    private void Count(string key, DateTimeOffset now) =>
        _failures.AddOrUpdate(key, static (_, n) => new Entry(n, 1), static (_, e, n) => n >= e.Start + Window ? new Entry(n, 1) : e with { Count = e.Count + 1 }, now);

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, entry) in _failures)
        {
            if (now >= entry.Start + Window)
            {
                _failures.TryRemove(key, out _);
            }
        }
    }

    private static string PrincipalKey(string principal, string address) => "p\n" + principal.ToUpperInvariant() + "\n" + address;

    private static string AddressKey(string address) => "a\n" + address;

    private sealed record Entry(DateTimeOffset Start, int Count);
}
