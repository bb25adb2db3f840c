using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Candor.Core.Privacy.Redaction;

/// <summary>Finds entities in a text. Each family of patterns sits behind a vectorized prefilter (a key
/// prefix, '@', ':', a digit), so ordinary prose runs no regular expression at all; where a family does run,
/// its expression is source-generated, bounded (no nested unbounded repetition, so no catastrophic
/// backtracking) and enumerated over the span without allocating. Boundaries are explicit look-arounds on
/// ASCII letters and digits instead of <c>\b</c>, so an entity next to a Chinese character (which \b treats
/// as a word character) is still found. Candidates are then confirmed by their check digits or by parsing.
/// Nothing is allocated when nothing matches.</summary>
internal static partial class EntityScanner
{
    private static readonly SearchValues<string> SecretHints = SearchValues.Create(
        ["sk-", "AIza", "AKIA", "ASIA", "ABIA", "ACCA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xoxb-", "xoxa-",
         "xoxp-", "xoxo-", "xoxs-", "xoxr-", "_live_", "_test_", "LTAI", "AKID", "hf_", "ya29.", "eyJ", "://", "-----BEGIN", "ecret", "ECRET"],
        StringComparison.Ordinal);

    /// <summary>Finds the entities of the kinds in <paramref name="kinds"/> (a bit per <see cref="EntityKind"/>).
    /// <paramref name="found"/> is created on the first finding and receives non-overlapping matches in text order.</summary>
    public static void Scan(ReadOnlySpan<char> text, int kinds, ref List<EntityMatch>? found)
    {
        if (text.Length < 3)
        {
            return;
        }

        if (On(kinds, EntityKind.Secret) && text.IndexOfAny(SecretHints) >= 0)
        {
            ScanSecrets(text, ref found);
        }

        if (On(kinds, EntityKind.Email) && text.Contains('@'))
        {
            ScanEmails(text, ref found);
        }

        var profile = DigitProfile.Of(text);
        if (profile.LongestRun == 0)
        {
            return;
        }

        if (On(kinds, EntityKind.CnId) && profile.LongestRun >= 17)
        {
            Confirmed(text, ResidentIdPattern(), EntityKind.CnId, static s => Checksums.ResidentId(s), ref found);
        }

        if (On(kinds, EntityKind.CnUscc) && profile.LongestRun >= 6)
        {
            Confirmed(text, SocialCreditPattern(), EntityKind.CnUscc, static s => Checksums.SocialCreditCode(s), ref found);
        }

        if (On(kinds, EntityKind.BankCard) && profile.LongestGroup >= 16)
        {
            Confirmed(text, CardPattern(), EntityKind.BankCard, static s => Checksums.Luhn(s), ref found);
        }

        if (On(kinds, EntityKind.Phone) && profile.LongestGroup >= 8)
        {
            Confirmed(text, ChinaMobilePattern(), EntityKind.Phone, static _ => true, ref found);
            if (text.Contains('+'))
            {
                Confirmed(text, E164Pattern(), EntityKind.Phone, static s => DigitCount(s) is >= 8 and <= 15, ref found);
            }
        }

        if (On(kinds, EntityKind.Ip))
        {
            if (profile.Colons >= 2)
            {
                ScanIpv6(text, ref found);
            }

            if (profile.DotBetweenDigits)
            {
                Confirmed(text, Ipv4Pattern(), EntityKind.Ip, static _ => true, ref found);
            }
        }

        if (On(kinds, EntityKind.Passport))
        {
            if (profile.LongestRun >= 7)
            {
                Confirmed(text, ChinaPassportPattern(), EntityKind.Passport, static _ => true, ref found);
            }

            if (!text.Contains("assport", StringComparison.OrdinalIgnoreCase) && !text.Contains("护照", StringComparison.Ordinal))
            {
                return;
            }

            foreach (var m in PassportContextPattern().EnumerateMatches(text))
            {
                // The number is the run of letters and digits that ends the match.
                int end = m.Index + m.Length, start = end;
                while (start > m.Index && char.IsAsciiLetterOrDigit(text[start - 1]))
                {
                    start--;
                }

                if (DigitCount(text[start..end]) > 0)
                {
                    Add(ref found, new EntityMatch(EntityKind.Passport, start, end - start));
                }
            }
        }
    }

    /// <summary>The bit of <paramref name="kind"/> in a kinds mask.</summary>
    public static int Bit(EntityKind kind) => 1 << (int)kind;

    private static bool On(int kinds, EntityKind kind) => (kinds & Bit(kind)) != 0;

    private static void Confirmed(ReadOnlySpan<char> text, Regex pattern, EntityKind kind, Validator valid, ref List<EntityMatch>? found)
    {
        foreach (var m in pattern.EnumerateMatches(text))
        {
            if (valid(text.Slice(m.Index, m.Length)))
            {
                Add(ref found, new EntityMatch(kind, m.Index, m.Length));
            }
        }
    }

    private delegate bool Validator(ReadOnlySpan<char> candidate);

    private static void ScanSecrets(ReadOnlySpan<char> text, ref List<EntityMatch>? found)
    {
        // Private keys: from the BEGIN line to the END line; a block cut short runs to the end of the text.
        int from = 0;
        while (from < text.Length)
        {
            int begin = text[from..].IndexOf("-----BEGIN ", StringComparison.Ordinal);
            if (begin < 0)
            {
                break;
            }

            begin += from;
            // The header line is short ("-----BEGIN ENCRYPTED PRIVATE KEY-----"); look no further than 64 characters.
            var header = text.Slice(begin, Math.Min(64, text.Length - begin));
            int lineEnd = header.IndexOfAny('\n', '\\');
            header = lineEnd < 0 ? header : header[..lineEnd];
            if (!header.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
            {
                from = begin + 11;
                continue;
            }

            int end = text.Length;
            int endMarker = text[(begin + 11)..].IndexOf("-----END ", StringComparison.Ordinal);
            if (endMarker >= 0)
            {
                endMarker += begin + 11;
                int close = text[(endMarker + 9)..].IndexOf("-----", StringComparison.Ordinal);
                end = close < 0 ? text.Length : endMarker + 9 + close + 5;
            }

            Add(ref found, new EntityMatch(EntityKind.Secret, begin, end - begin));
            from = end;
        }

        foreach (var m in KeyPattern().EnumerateMatches(text))
        {
            Add(ref found, new EntityMatch(EntityKind.Secret, m.Index, m.Length));
        }

        if (text.Contains("://", StringComparison.Ordinal))
        {
            foreach (var m in UrlCredentialsPattern().EnumerateMatches(text))
            {
                // Only the user-info (user:password) goes; the scheme and host stay readable.
                int start = text.Slice(m.Index, m.Length).IndexOf("://", StringComparison.Ordinal) + m.Index + 3;
                Add(ref found, new EntityMatch(EntityKind.Secret, start, m.Index + m.Length - 1 - start));
            }
        }

        if (text.Contains("ecret", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var m in AwsSecretPattern().EnumerateMatches(text))
            {
                // The value is the last 40 characters of the match.
                Add(ref found, new EntityMatch(EntityKind.Secret, m.Index + m.Length - 40, 40));
            }
        }
    }

    private static void ScanEmails(ReadOnlySpan<char> text, ref List<EntityMatch>? found)
    {
        for (int at = text.IndexOf('@'); at >= 0; at = NextAt(text, at))
        {
            // Local part: up to 64 characters before '@', not starting with a dot.
            int start = at;
            while (start > 0 && at - start < 64 && IsLocalChar(text[start - 1]))
            {
                start--;
            }

            if (start > 0 && IsLocalChar(text[start - 1]))
            {
                continue;
            }

            while (start < at && text[start] == '.')
            {
                start++;
            }

            if (start == at)
            {
                continue;
            }

            // Domain: labels of letters, digits and hyphens separated by single dots, ending in an alphabetic TLD.
            int end = at + 1, lastDot = -1;
            while (end < text.Length && end - at <= 253)
            {
                char c = text[end];
                if (char.IsAsciiLetterOrDigit(c) || c == '-')
                {
                    end++;
                }
                else if (c == '.' && end > at + 1 && text[end - 1] != '.' && end + 1 < text.Length && char.IsAsciiLetterOrDigit(text[end + 1]))
                {
                    lastDot = end++;
                }
                else
                {
                    break;
                }
            }

            if (lastDot < 0 || !IsTld(text[(lastDot + 1)..end]))
            {
                continue;
            }

            Add(ref found, new EntityMatch(EntityKind.Email, start, end - start));
        }
    }

    private static int NextAt(ReadOnlySpan<char> text, int at)
    {
        int next = text[(at + 1)..].IndexOf('@');
        return next < 0 ? -1 : at + 1 + next;
    }

    private static bool IsTld(ReadOnlySpan<char> tld)
    {
        if (tld.Length is < 2 or > 24)
        {
            return false;
        }

        foreach (char c in tld)
        {
            if (!char.IsAsciiLetter(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsLocalChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '-';

    private static void ScanIpv6(ReadOnlySpan<char> text, ref List<EntityMatch>? found)
    {
        foreach (var m in Ipv6CandidatePattern().EnumerateMatches(text))
        {
            var candidate = text.Slice(m.Index, m.Length).TrimEnd('.');
            int end = m.Index + candidate.Length;
            if (end < text.Length && char.IsAsciiLetterOrDigit(text[end]))
            {
                continue;
            }

            if (candidate.Count(':') >= 2 && DigitCount(candidate) > 0
                && IPAddress.TryParse(candidate, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                Add(ref found, new EntityMatch(EntityKind.Ip, m.Index, candidate.Length));
            }
        }
    }

    private static int DigitCount(ReadOnlySpan<char> s)
    {
        int n = 0;
        foreach (char c in s)
        {
            if (char.IsAsciiDigit(c))
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>Adds a finding unless it overlaps one already made (families run in priority order), keeping text order.</summary>
    private static void Add(ref List<EntityMatch>? found, EntityMatch match)
    {
        found ??= [];
        int at = found.Count;
        for (int i = 0; i < found.Count; i++)
        {
            var f = found[i];
            if (match.Start < f.End && f.Start < match.End)
            {
                return;
            }

            if (f.Start > match.Start && at == found.Count)
            {
                at = i;
            }
        }

        found.Insert(at, match);
    }

    // 17 digits (the first 1–9) and a digit or X.
    [GeneratedRegex("(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex ResidentIdPattern();

    // 18 characters of the GB 32100 alphabet, positions 3–8 an administrative-division code.
    [GeneratedRegex("(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex SocialCreditPattern();

    // 16–19 digits written together, or in groups of four separated by one space or dash (last group 1–3 digits
    // for 17–19-digit cards); the first digit 2–6 (Mastercard 2-series, JCB, Visa, Mastercard, UnionPay/Discover).
    [GeneratedRegex("(?<![0-9A-Za-z])(?:[2-6][0-9]{15,18}(?![0-9A-Za-z])|[2-6][0-9]{3}(?<s>[ -])[0-9]{4}\\k<s>[0-9]{4}\\k<s>[0-9]{4}(?:\\k<s>[0-9]{1,3})?(?![0-9A-Za-z]|[ -][0-9]))", RegexOptions.CultureInvariant)]
    private static partial Regex CardPattern();

    // Mainland mobile: 1[3-9] and 9 more digits, optionally after +86/0086/86, as 11 digits or 3-4-4 groups.
    [GeneratedRegex("(?<![0-9A-Za-z+])(?:(?:\\+86|0086|86)[ -]?)?1[3-9][0-9](?:[0-9]{8}(?![0-9A-Za-z])|[ -][0-9]{4}[ -][0-9]{4}(?![0-9A-Za-z]|[ -][0-9]))", RegexOptions.CultureInvariant)]
    private static partial Regex ChinaMobilePattern();

    // E.164: + and 8–15 digits, written together or in groups separated by single spaces or dashes.
    [GeneratedRegex("(?<![0-9A-Za-z+])\\+[1-9](?:[0-9]{7,14}(?![0-9A-Za-z])|[0-9]{0,2}(?:[ -][0-9]{2,4}){2,5}(?![0-9A-Za-z]|[ -][0-9]))", RegexOptions.CultureInvariant)]
    private static partial Regex E164Pattern();

    [GeneratedRegex("(?<![0-9A-Za-z.])(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}(?![0-9A-Za-z]|\\.[0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv4Pattern();

    // A run of hex digits, colons and dots (for an embedded IPv4) that starts a token; IPAddress confirms it.
    [GeneratedRegex("(?<![0-9A-Za-z:.])[0-9A-Fa-f:][0-9A-Fa-f:.]{1,44}", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv6CandidatePattern();

    // PRC passports: E/G + 8 digits, E + letter + 7 digits, diplomatic/service/public-affairs DE/SE/PE + 7 digits.
    [GeneratedRegex("(?<![0-9A-Za-z])(?:[EG][0-9]{8}|E[A-HJ-NP-Z][0-9]{7}|[DSP]E[0-9]{7})(?![0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex ChinaPassportPattern();

    // Any passport number introduced as one: "passport no. X1234567", "护照号码：X1234567".
    [GeneratedRegex("(?i:passport|护照)(?:[ ]?(?i:no\\.?|number|num|#|号码|号))?[ ]?[:：]?[ ]?[A-Z0-9]{6,9}(?![0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex PassportContextPattern();

    // Provider keys by their documented prefixes, and JWTs (two base64url JSON segments and a signature).
    [GeneratedRegex("""
        (?<![A-Za-z0-9_-])(?:sk-[A-Za-z0-9_-]{20,}|AIza[0-9A-Za-z_-]{35}|(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|LTAI[A-Za-z0-9]{12,28}|AKID[A-Za-z0-9]{32}|hf_[A-Za-z0-9]{30,}|ya29\.[0-9A-Za-z_-]{20,}|eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*)(?![A-Za-z0-9_-])
        """, RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();

    // scheme://user:password@ — the user-info of a URL.
    [GeneratedRegex("[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\\s/?#@:\"'<>]{1,128}:[^\\s/?#@\"'<>]{1,256}@", RegexOptions.CultureInvariant)]
    private static partial Regex UrlCredentialsPattern();

    // An AWS secret access key given with its name: aws_secret_access_key = <40 characters>.
    [GeneratedRegex("(?i:(?:aws_?)?secret_?access_?key)[\"']?[ ]{0,3}[:=][ ]{0,3}[\"']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])", RegexOptions.CultureInvariant)]
    private static partial Regex AwsSecretPattern();
}
