using Candor.Core.WebConsole;

namespace Candor.Core.Accounts.Redemptions;

/// <summary>The brute-force limit on redemption: after <see cref="MaxFailures"/> unknown codes within
/// <see cref="Window"/> from one key, or from one client address, further attempts from it are refused until the
/// window ends. Only unknown codes count (a used or expired code is not a guess), so a crowd racing for one real code
/// is not throttled. The counters are the store's failed-attempt counters (<see cref="IAttemptCounters"/>, as the
/// console's sign-in throttle), so every node of an installation counts the same guesses: N nodes do not multiply the
/// allowance, with or without Redis (docs/scale-out.md, "Shared limits"). Time from the injected <see cref="TimeProvider"/>.</summary>
internal sealed class RedeemThrottle(IAttemptCounters counters, TimeProvider time)
{
    /// <summary>Unknown codes allowed per key and per address within a window.</summary>
    public const int MaxFailures = 10;

    /// <summary>The counting window.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    /// <summary>Counts a redemption attempt of <paramref name="subject"/> (a key, or the console's account) and
    /// <paramref name="address"/> before it is made (<see cref="AttemptTicket"/>): concurrent guesses cannot all pass
    /// the check before any is counted. Refused when either count is over its bound; an admitted attempt stays counted
    /// only after <see cref="Failed"/> (an unknown code), and is otherwise taken back when disposed.</summary>
    public Task<AttemptTicket> BeginAsync(string subject, string? address) =>
        AttemptTicket.TakeAsync(counters, time.GetUtcNow(), Window, address is null
            ? [new(SubjectCounter(subject), MaxFailures)]
            : [new(SubjectCounter(subject), MaxFailures), new(AddressCounter(address), MaxFailures)]);

    /// <summary>Seconds until a refused attempt may be tried again (at least one).</summary>
    public static int RetryAfterSeconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));

    /// <summary>Leaves an unknown code counted against the subject and the address.</summary>
    public static void Failed(AttemptTicket attempt)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        attempt.Keep();
    }

    private static string SubjectCounter(string subject) => "redeem:k\n" + subject;

    private static string AddressCounter(string address) => "redeem:a\n" + address;
}
