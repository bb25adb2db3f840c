namespace Candor.Core.WebConsole;

/// <summary>A sign-in half done: the password was right and the login's second factor is asked for. Only the SHA-256
/// of its token (hex) is stored; it expires in minutes and dies after a few wrong codes.</summary>
internal sealed record ConsoleChallenge(string TokenHash, string Principal, DateTimeOffset ExpiresAt, int Failures);
