namespace Candor.Core.WebConsole;

/// <summary>The email address a sign-up names, normalized to lower case (it becomes the login's principal), and its
/// domain, which the per-domain limit counts. Deliberately strict: one <c>@</c>, a dotted domain, printable ASCII
/// without spaces, quotes or angle brackets (nothing that could break a mail header), at most 254 characters.</summary>
internal static class SignUpEmail
{
    /// <summary>The longest address accepted (RFC 5321's path limit less its brackets).</summary>
    public const int MaxLength = 254;

    /// <summary>The normalized address and its domain, or null when the text is not an acceptable address.</summary>
    public static (string Address, string Domain)? Parse(string? text)
    {
        string value = (text ?? "").Trim().ToLowerInvariant();
        if (value.Length is < 3 or > MaxLength)
        {
            return null;
        }

        foreach (char ch in value)
        {
            if (ch <= ' ' || ch >= 0x7f || ch is '"' or '<' or '>' or '(' or ')' or ',' or ';' or ':' or '\\' or '[' or ']')
            {
                return null;
            }
        }

        int at = value.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at != value.LastIndexOf('@') || at > 64)
        {
            return null;
        }

        string domain = value[(at + 1)..];
        return domain.Length < 3 || !domain.Contains('.', StringComparison.Ordinal) || domain.StartsWith('.') || domain.EndsWith('.')
            || domain.Contains("..", StringComparison.Ordinal)
            ? null
            : (value, domain);
    }
}
