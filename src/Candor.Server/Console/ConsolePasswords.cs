using Candor.Core.WebConsole;
using Microsoft.AspNetCore.Identity;

namespace Candor.Server.WebConsole;

/// <summary>Password hashing for console logins: ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/> (format
/// v3: PBKDF2 with HMAC-SHA512, 100 000 iterations, 128-bit salt, 256-bit subkey), from the shared framework, so its
/// cost follows the framework's maintained default and old hashes are flagged for rehashing.</summary>
internal static class ConsolePasswords
{
    /// <summary>The shortest password accepted.</summary>
    public const int MinLength = 12;

    /// <summary>The longest password accepted (PBKDF2 hashes any length; this bounds the work a request can ask for).</summary>
    public const int MaxLength = 256;

    private static readonly PasswordHasher<ConsoleLogin> Hasher = new();

    // Checked when the principal has no login, so an unknown principal costs the same as a wrong password.
    private static readonly string DummyHash = Hasher.HashPassword(null!, "candor-console-no-such-login");

    /// <summary>The hash to store for <paramref name="password"/>.</summary>
    public static string Hash(string password) => Hasher.HashPassword(null!, password);

    /// <summary>Why the password is not acceptable, or null.</summary>
    public static string? Problem(string password) =>
        password.Length < MinLength ? $"The password must have at least {MinLength} characters."
        : password.Length > MaxLength ? $"The password must have at most {MaxLength} characters."
        : null;

    /// <summary>True when <paramref name="password"/> matches the login's hash; with no login, does the same work and
    /// returns false.</summary>
    public static bool Verify(ConsoleLogin? login, string password)
    {
        var result = Hasher.VerifyHashedPassword(null!, login?.PasswordHash ?? DummyHash, password);
        return login is not null && result != PasswordVerificationResult.Failed;
    }
}
