namespace Candor.Core.WebConsole;

/// <summary>A web-console login: the principal (the same string as in <see cref="Accounts.Member.Principal"/>), its
/// password hash (an ASP.NET Core Identity v3 hash, PBKDF2; the plaintext is never stored) and whether it is a platform
/// operator. A login that is not an operator sees the accounts it is a member of, with the member's role.</summary>
internal sealed record ConsoleLogin(string Principal, string PasswordHash, bool IsOperator, DateTimeOffset UpdatedAt);
