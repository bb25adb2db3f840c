using Candor.Core.WebConsole;

namespace Candor.Server.WebConsole;

/// <summary>Counts failed sign-ins (and wrong second-factor codes) per (principal, client address) and per client
/// address over a fixed window, and refuses further attempts once a count reaches its bound, until the window ends.
/// The counters are in the store (<see cref="IAttemptCounters"/>), so every node of an installation counts the same
/// attempts: N nodes do not multiply the allowance (docs/console.md). The principal is counted in its normal form
/// (<see cref="ConsolePrincipal"/>), so changing its case does not start a new count.</summary>
internal sealed class SignInThrottle(IAttemptCounters counters, TimeProvider time)
{
    /// <summary>Failed attempts allowed per principal and address in one window.</summary>
    public const int PerPrincipal = 5;

    /// <summary>Failed attempts allowed per address (any principal) in one window.</summary>
    public const int PerAddress = 50;

    /// <summary>The window.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    /// <summary>When attempts for this pair are refused, how long until they are allowed again; otherwise null.</summary>
    public async Task<TimeSpan?> RetryAfterAsync(string principal, string address, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await BlockedAsync(PrincipalKey(principal, address), PerPrincipal, now, cancellationToken).ConfigureAwait(false)
            ?? await BlockedAsync(AddressKey(address), PerAddress, now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Counts one failed attempt. Counted even when the caller has gone: a client that disconnects at once
    /// must not escape the count.</summary>
    public async Task FailedAsync(string principal, string address)
    {
        var now = time.GetUtcNow();
        await counters.CountAttemptAsync(PrincipalKey(principal, address), now, Window, CancellationToken.None).ConfigureAwait(false);
        await counters.CountAttemptAsync(AddressKey(address), now, Window, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Forgets the pair's failures after a successful sign-in (the address's count stays).</summary>
    public Task SucceededAsync(string principal, string address, CancellationToken cancellationToken) =>
        counters.ForgetAttemptsAsync(PrincipalKey(principal, address), cancellationToken);

    private async Task<TimeSpan?> BlockedAsync(string key, int bound, DateTimeOffset now, CancellationToken cancellationToken) =>
        await counters.GetAttemptsAsync(key, now, Window, cancellationToken).ConfigureAwait(false) is { } e && e.Failures >= bound
            ? e.WindowStart + Window - now
            : null;

    private static string PrincipalKey(string principal, string address) => "signin:p\n" + ConsolePrincipal.Normalize(principal) + "\n" + address;

    private static string AddressKey(string address) => "signin:a\n" + address;
}
