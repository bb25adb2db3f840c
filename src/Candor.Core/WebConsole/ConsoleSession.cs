namespace Candor.Core.WebConsole;

/// <summary>A signed-in console session as stored: only the SHA-256 of its token (hex), never the token itself, so
/// a copy of the database opens no session.</summary>
internal sealed record ConsoleSession(string TokenHash, string Principal, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);
