namespace Candor.Core.WebConsole;

/// <summary>Console second factors (RFC 6238 TOTP), their single-use recovery codes and the half-done sign-ins that
/// wait for a code. See docs/console.md, "Two-step sign-in".</summary>
internal interface ITotpStore
{
    /// <summary>The principal's enrolment, confirmed or not, or null.</summary>
    Task<TotpEnrolment?> GetTotpAsync(string principal, CancellationToken cancellationToken);

    /// <summary>Stores a new unconfirmed secret, replacing an unconfirmed one; false (nothing changed) when a confirmed
    /// one exists.</summary>
    Task<bool> StartTotpAsync(TotpEnrolment enrolment, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Confirms the unconfirmed secret with the step of the code that proved it and stores the recovery codes'
    /// hashes (replacing any); false when there is nothing to confirm or the step was used.</summary>
    Task<bool> EnableTotpAsync(string principal, long step, IReadOnlyList<string> recoveryCodeHashes, CancellationToken cancellationToken);

    /// <summary>Accepts a code's time step once: true only when it is later than every step accepted before (a
    /// conditional update, so two requests with one code cannot both pass).</summary>
    Task<bool> ClaimTotpStepAsync(string principal, long step, CancellationToken cancellationToken);

    /// <summary>Consumes one recovery code; false when it is unknown or used.</summary>
    Task<bool> UseRecoveryCodeAsync(string principal, string codeHash, CancellationToken cancellationToken);

    /// <summary>Removes the principal's second factor and recovery codes.</summary>
    Task<bool> DeleteTotpAsync(string principal, CancellationToken cancellationToken);

    /// <summary>Stores a half-done sign-in.</summary>
    Task CreateChallengeAsync(ConsoleChallenge challenge, CancellationToken cancellationToken);

    /// <summary>The unexpired challenge with that token hash, or null.</summary>
    Task<ConsoleChallenge?> GetChallengeAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Counts a wrong code against the challenge, deleting it at <paramref name="maxFailures"/>.</summary>
    Task FailChallengeAsync(string tokenHash, int maxFailures, CancellationToken cancellationToken);

    /// <summary>Consumes the challenge; true for the one caller that deleted it.</summary>
    Task<bool> TakeChallengeAsync(string tokenHash, CancellationToken cancellationToken);
}
