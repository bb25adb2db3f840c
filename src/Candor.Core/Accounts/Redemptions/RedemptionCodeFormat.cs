using System.Security.Cryptography;

namespace Candor.Core.Accounts.Redemptions;

/// <summary>The shape of Candor redemption codes: <c>cdr-</c> followed by 24 base62 characters from the CSPRNG
/// (about 143 bits), so guessing one is hopeless even before the per-key and per-address rate limit. A code is
/// shown once, at creation, and stored only as its keyed hash (the same <see cref="Admission.KeyHasher"/> as keys).
/// Codes imported from one-api or new-api keep their own shape (32 hex characters) and resolve the same way.</summary>
internal static class RedemptionCodeFormat
{
    /// <summary>The prefix of every code Candor makes.</summary>
    public const string Prefix = "cdr-";

    /// <summary>Random characters after the prefix.</summary>
    public const int RandomLength = 24;

    /// <summary>The longest code accepted for redemption; longer input is refused without hashing it.</summary>
    public const int MaxLength = 128;

    /// <summary>A new plaintext code.</summary>
    public static string NewCode() => string.Concat(Prefix, RandomNumberGenerator.GetString(EntityIds.Base62, RandomLength));

    /// <summary>The presented code as it is hashed: surrounding whitespace removed (codes are pasted from e-mails and
    /// shops); null when nothing usable is left or it is longer than <see cref="MaxLength"/>.</summary>
    public static string? Normalize(string? presented)
    {
        string trimmed = presented?.Trim() ?? "";
        return trimmed.Length is 0 or > MaxLength ? null : trimmed;
    }
}
