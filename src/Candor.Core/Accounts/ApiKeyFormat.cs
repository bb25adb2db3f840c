using System.Security.Cryptography;

namespace Candor.Core.Accounts;

/// <summary>The shape of Candor client keys: <c>sk-cd-</c> followed by 40 base62 characters from the
/// CSPRNG (about 238 bits). The prefix makes a leaked key recognisable to secret scanners.</summary>
internal static class ApiKeyFormat
{
    /// <summary>The prefix every Candor key starts with.</summary>
    public const string Prefix = "sk-cd-";

    /// <summary>Random characters after the prefix.</summary>
    public const int RandomLength = 40;

    /// <summary>Characters of a key shown in listings (the prefix and 6 random characters).</summary>
    public const int DisplayLength = 12;

    /// <summary>A new plaintext key. It is shown once and stored only as its keyed hash.</summary>
    public static string NewKey() => string.Concat(Prefix, RandomNumberGenerator.GetString(EntityIds.Base62, RandomLength));

    /// <summary>The part of a key that listings show.</summary>
    public static string DisplayPrefix(string key) => key.Length <= DisplayLength ? key : key[..DisplayLength];

    /// <summary>True when the text has the shape of a Candor key (it says nothing about validity).</summary>
    public static bool HasKeyShape(ReadOnlySpan<char> text)
    {
        if (text.Length != Prefix.Length + RandomLength || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (char c in text[Prefix.Length..])
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
