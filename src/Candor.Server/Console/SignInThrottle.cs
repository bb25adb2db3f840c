using Candor.Core.WebConsole;

namespace Candor.Server.WebConsole;

/// <summary>Counts failed sign-ins (and wrong second-factor codes) per (principal, client address) and per client
/// address over a fixed window, and refuses further attempts once a count reaches its bound, until the window ends.
/// The counters are in the store (<see cref="IAttemptCounters"/>), so every node of an installation counts the same
/// attempts: N nodes do not multiply the allowance (docs/console.md). Each attempt is counted before it is checked
/// (<see cref="AttemptTicket"/>), so concurrent guesses cannot all pass the check before any is counted; an attempt
/// that does not fail is taken back. The principal is counted in its normal form (<see cref="ConsolePrincipal"/>), so
/// changing its case does not start a new count.</summary>
internal sealed class SignInThrottle(IAttemptCounters counters, TimeProvider time)
{
    /// <summary>Failed attempts allowed per principal and address in one window.</summary>
    public const int PerPrincipal = 5;

    /// <summary>Failed attempts allowed per address (any principal) in one window.</summary>
    public const int PerAddress = 50;

    /// <summary>The window.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    /// <summary>Counts an attempt for this pair before it is made. A refused ticket (<see cref="AttemptTicket.RetryAfter"/>)
    /// is not counted; an admitted one stays counted only after <see cref="Failed"/>, and is otherwise taken back when
    /// disposed.</summary>
    public Task<AttemptTicket> BeginAsync(string principal, string address, CancellationToken cancellationToken) =>
        AttemptTicket.TakeAsync(counters, time.GetUtcNow(), Window, [new(PrincipalKey(principal, address), PerPrincipal), new(AddressKey(address), PerAddress)], cancellationToken);

    /// <summary>Leaves the failed attempt counted.</summary>
    public static void Failed(AttemptTicket attempt)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        attempt.Keep();
    }

    /// <summary>Forgets the pair's failures after a successful sign-in (the address's count stays; this attempt is
    /// taken back from it when <paramref name="attempt"/> is disposed).</summary>
    public static Task SucceededAsync(AttemptTicket attempt, string principal, string address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        return attempt.ForgetAsync(PrincipalKey(principal, address), cancellationToken);
    }

    private static string PrincipalKey(string principal, string address) => "signin:p\n" + ConsolePrincipal.Normalize(principal) + "\n" + address;

    private static string AddressKey(string address) => "signin:a\n" + address;
}
