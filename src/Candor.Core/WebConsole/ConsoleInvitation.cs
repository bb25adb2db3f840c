namespace Candor.Core.WebConsole;

/// <summary>A single-use invitation to set a console password: only the SHA-256 of its token (hex) is stored.</summary>
internal sealed record ConsoleInvitation(string TokenHash, string Principal, bool IsOperator, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);
