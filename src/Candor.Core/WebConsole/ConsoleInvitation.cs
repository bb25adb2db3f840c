namespace Candor.Core.WebConsole;

/// <summary>A single-use invitation to set a console password: only the SHA-256 of its token (hex) is stored. An
/// invitation may name an account the invitee joins with <see cref="Role"/> (owner, admin, member or viewer) when
/// accepting it.</summary>
internal sealed record ConsoleInvitation(string TokenHash, string Principal, bool IsOperator, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt,
    string? AccountId = null, string? Role = null);
