using Candor.Core.WebConsole;

namespace Candor.Core.Accounts.Redemptions;

/// <summary>The brute-force limit on redemption: after <see cref="MaxFailures"/> unknown codes within
/// <see cref="Window"/> from one key, or from one client address, further attempts from it are refused until the
/// window ends. Only unknown codes count (a used or expired code is not a guess), so a crowd racing for one real code
/// is not throttled. The check and the count are in the redemption's own transaction, with the counters held
/// (<see cref="Limits"/>): concurrent guesses cannot pass the bound together. The counters are the store's failed-attempt counters (<see cref="IAttemptCounters"/>, as the
/// console's sign-in throttle), so every node of an installation counts the same guesses: N nodes do not multiply the
/// allowance, with or without Redis (docs/scale-out.md, "Shared limits"). Time from the injected <see cref="TimeProvider"/>.</summary>
internal sealed class RedeemThrottle(IAttemptCounters attempts, TimeProvider time)
{
    /// <summary>Unknown codes allowed per key and per address within a window.</summary>
    public const int MaxFailures = 10;

    /// <summary>The counting window.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    /// <summary>Seconds until <paramref name="subject"/> (a key, or the console's account) or <paramref name="address"/>
    /// may try again, or null when both may try now: one read, so a blocked client is refused before its request is
    /// read, without a write. The store checks again, and counts, inside the redemption (<see cref="Limits"/>).</summary>
    public async Task<int?> RetryAfterSecondsAsync(string subject, string? address, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var counters = Counters(subject, address);
        var seen = await attempts.GetAttemptsAsync(counters, now, cancellationToken).ConfigureAwait(false);
        TimeSpan? wait = null;
        foreach (var count in seen)
        {
            if (count is { Failures: >= MaxFailures } && count.WindowStart + Window - now is var left && (wait is null || left > wait))
            {
                wait = left;
            }
        }

        return wait is { } w ? RetryAfterSeconds(w) : null;
    }

    /// <summary>The limit a redemption by <paramref name="subject"/> from <paramref name="address"/> is checked and
    /// counted against in its own transaction (<see cref="IRedemptionStore.RedeemAsync(string, string, RedemptionLimits?, CancellationToken)"/>).</summary>
    public RedemptionLimits Limits(string subject, string? address) => new(Counters(subject, address), MaxFailures, Window, time.GetUtcNow());

    /// <summary>Whole seconds of <paramref name="wait"/>, at least one.</summary>
    public static int RetryAfterSeconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));

    private static string[] Counters(string subject, string? address) =>
        address is null ? [SubjectCounter(subject)] : [SubjectCounter(subject), AddressCounter(address)];

    private static string SubjectCounter(string subject) => "redeem:k\n" + subject;

    private static string AddressCounter(string address) => "redeem:a\n" + address;
}
