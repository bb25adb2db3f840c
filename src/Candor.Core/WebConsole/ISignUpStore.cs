namespace Candor.Core.WebConsole;

/// <summary>Self-registration: pending sign-ups (counted for the limits), their single-use verification, and the
/// account each opens with its initial grant — exactly one grant per account (<c>signup_grants</c> is keyed by the
/// account). See docs/console.md, "Registration", and docs/business.md.</summary>
internal interface ISignUpStore
{
    /// <summary>Records a sign-up unless <paramref name="perAddress"/> sign-ups from its address, or
    /// <paramref name="perDomain"/> for its email domain, were recorded after <paramref name="since"/>. Also removes
    /// rows that have expired and left the window.</summary>
    Task<SignUpAdmission> AddSignUpAsync(PendingSignUp signUp, int perAddress, int perDomain, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>Consumes the sign-up with that token hash if it is unused and unexpired at <c>opening.Now</c> (a
    /// conditional claim: one caller wins, on any number of nodes) and, in the same transaction, creates the login
    /// (the email as principal, <paramref name="passwordHash"/>) and opens its account with the grant. A token whose
    /// address has a login already is consumed and changes nothing else.</summary>
    Task<SignUpCompletion> CompleteSignUpAsync(string tokenHash, string passwordHash, AccountOpening opening, CancellationToken cancellationToken);

    /// <summary>Opens an account owned by the principal with the grant, in one transaction.</summary>
    Task<OpenedAccount> OpenAccountAsync(AccountOpening opening, CancellationToken cancellationToken);

    /// <summary>The unexpired invitation with that token hash, without consuming it (for the page to show), or null.</summary>
    Task<ConsoleInvitation?> PeekInvitationAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken);
}
