namespace Candor.Core.WebConsole;

/// <summary>A sign-up waiting for its address to be verified: only the SHA-256 of the mailed token (hex) is stored.
/// The row stays after verification (with <see cref="VerifiedAt"/>) until the limit window has passed, because the
/// per-address and per-domain limits count these rows.</summary>
internal sealed record PendingSignUp(string TokenHash, string Email, string Domain, string Address, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt,
    DateTimeOffset? VerifiedAt = null);
