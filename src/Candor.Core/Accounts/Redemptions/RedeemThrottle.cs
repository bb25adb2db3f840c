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

    /// <summary>Seconds until <paramref name="subject"/> (a key, or the console's account) or <paramref name="address"/>
    /// may try again, or null when both may try now.</summary>
    public async Task<int?> RetryAfterSecondsAsync(string subject, string? address, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        TimeSpan? wait = await BlockedAsync(SubjectCounter(subject), now, cancellationToken).ConfigureAwait(false);
        if (address is not null && await BlockedAsync(AddressCounter(address), now, cancellationToken).ConfigureAwait(false) is { } ipWait
            && (wait is null || ipWait > wait))
        {
            wait = ipWait;
        }

        return wait is { } w ? Math.Max(1, (int)Math.Ceiling(w.TotalSeconds)) : null;
    }

    /// <summary>Counts an unknown code against the subject and the address. Counted even when the caller has gone: a
    /// client that disconnects at once must not escape the count.</summary>
    public async Task FailedAsync(string subject, string? address)
    {
        var now = time.GetUtcNow();
        await counters.CountAttemptAsync(SubjectCounter(subject), now, Window, CancellationToken.None).ConfigureAwait(false);
        if (address is not null)
        {
            await counters.CountAttemptAsync(AddressCounter(address), now, Window, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<TimeSpan?> BlockedAsync(string counter, DateTimeOffset now, CancellationToken cancellationToken) =>
        await counters.GetAttemptsAsync(counter, now, Window, cancellationToken).ConfigureAwait(false) is { } count && count.Failures >= MaxFailures
            ? count.WindowStart + Window - now
            : null;

    private static string SubjectCounter(string subject) => "redeem:k\n" + subject;

    private static string AddressCounter(string address) => "redeem:a\n" + address;
}
