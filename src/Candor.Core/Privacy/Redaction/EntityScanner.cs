using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Candor.Core.Privacy.Redaction;

/// <summary>Finds entities in a text. No expression runs over the whole text: each family runs only around its
/// anchors — secrets on tokens long enough to be a key and at each <c>://</c>, <c>secret</c>, authorization scheme or
/// assignment name; e-mail at each '@'; the number families on the windows of <see cref="NumberCluster"/>s whose shape
/// could hold them — so prose costs a few vectorized searches and one pass over its tokens. Expressions are
/// source-generated, bounded (no nested unbounded repetition, so no catastrophic backtracking) and enumerated over
/// the span without allocating. Boundaries are explicit look-arounds on ASCII letters and digits instead of
/// <c>\b</c>, so an entity next to a Chinese character (which \b treats as a word character) is still found.
/// Candidates are then confirmed by their structure (check digits, issuer prefixes, dates, region and country codes)
/// and, for numbers that could be something else, by the words before them (<see cref="EntityContext"/>). Nothing
/// is allocated when nothing matches.</summary>
/// <remarks>Each family lives in one file: secrets (<c>EntityScanner.Secrets.cs</c>), e-mail
/// (<c>EntityScanner.Email.cs</c>), numbers and addresses (this file). A new format is a pattern and a validator
/// in its family (a number format also the cluster shape it needs in <see cref="ScanNumbers"/>), a case in the corpus
/// generator of the unit tests, a text in the hand-written corpus and a row in docs/privacy.md.</remarks>
internal static partial class EntityScanner
{
    /// <summary>Finds the entities of the kinds in <paramref name="kinds"/> (a bit per <see cref="EntityKind"/>).
    /// <paramref name="found"/> is created on the first finding and receives non-overlapping matches in text order.</summary>
    public static void Scan(ReadOnlySpan<char> text, int kinds, ref List<EntityMatch>? found)
    {
        if (text.Length < 3)
        {
            return;
        }

        if (On(kinds, EntityKind.Secret))
        {
            ScanSecrets(text, ref found);
        }

        if (On(kinds, EntityKind.Email))
        {
            if (text.Contains('@'))
            {
                ScanEmails(text, ref found);
            }

            if (text.Contains("%40", StringComparison.Ordinal))
            {
                ScanEncodedEmails(text, ref found);
            }
        }

        if ((kinds & NumberKinds) != 0)
        {
            int from = 0, floor = 0;
            while (from < text.Length && NumberCluster.Next(text, from, floor, out var cluster))
            {
                ScanNumbers(text, cluster, kinds, ref found);
                from = floor = cluster.End;
            }
        }

        if (On(kinds, EntityKind.Passport))
        {
            ScanPassportContext(text, ref found);
        }
    }

    /// <summary>The kinds found in number clusters.</summary>
    private static readonly int NumberKinds = Bit(EntityKind.CnId) | Bit(EntityKind.CnUscc) | Bit(EntityKind.BankCard) | Bit(EntityKind.Phone) | Bit(EntityKind.Ip) | Bit(EntityKind.Passport);

    /// <summary>Runs, in priority order, the number families whose shape fits the cluster, on its window only.</summary>
    private static void ScanNumbers(ReadOnlySpan<char> text, NumberCluster c, int kinds, ref List<EntityMatch>? found)
    {
        if (On(kinds, EntityKind.CnId) && Math.Max(c.LongestRun, c.LongestGroup) >= 17)
        {
            Confirmed(text, c, ResidentIdPattern(), EntityKind.CnId, static (t, s, l) => ValidResidentId(t.Slice(s, l)), ref found);
        }

        if (On(kinds, EntityKind.CnUscc) && c.LongestRun >= 6 && c.End - c.Start >= 18)
        {
            Confirmed(text, c, SocialCreditPattern(), EntityKind.CnUscc, ValidSocialCreditCode, ref found);
        }

        if (On(kinds, EntityKind.BankCard) && c.LongestGroup >= 14)
        {
            Confirmed(text, c, CardPattern(), EntityKind.BankCard, ValidCard, ref found);
        }

        if (On(kinds, EntityKind.Phone) && c.LongestGroup >= 7)
        {
            if (c.LeadingZero || c.Plus)
            {
                Confirmed(text, c, ChinaPhonePattern(), EntityKind.Phone, static (t, s, l) => PhoneNumbers.ChinaMobile(t.Slice(s, l)) || PhoneNumbers.ChinaLandline(t.Slice(s, l)), ref found);
            }
            else
            {
                Confirmed(text, c, ChinaMobilePattern(), EntityKind.Phone, static (_, _, _) => true, ref found);
            }

            if (c.Plus)
            {
                Confirmed(text, c, InternationalPattern(), EntityKind.Phone, ValidInternational, ref found);
            }
        }

        if (On(kinds, EntityKind.Ip))
        {
            if (c.Colons >= 2)
            {
                ScanIpv6(text, c, ref found);
            }

            if (c.DotBetweenDigits)
            {
                Confirmed(text, c, Ipv4Pattern(), EntityKind.Ip, static (t, s, l) => t[s] != '0' && !EntityContext.IsVersion(t, s) && !EntityContext.IsHeadingNumber(t, s, l), ref found);
            }
        }

        if (On(kinds, EntityKind.Passport) && c.LongestRun >= 7)
        {
            Confirmed(text, c, ChinaPassportPattern(), EntityKind.Passport, static (t, s, l) => !Checksums.IsDate(t.Slice(s + l - 8, 8)) || EntityContext.IsPassport(t, s), ref found);
        }
    }

    /// <summary>The bit of <paramref name="kind"/> in a kinds mask.</summary>
    public static int Bit(EntityKind kind) => 1 << (int)kind;

    private static bool On(int kinds, EntityKind kind) => (kinds & Bit(kind)) != 0;

    private static void Confirmed(ReadOnlySpan<char> text, Regex pattern, EntityKind kind, Validator valid, ref List<EntityMatch>? found)
        => Confirmed(text, 0, text.Length, pattern, kind, valid, ref found);

    private static void Confirmed(ReadOnlySpan<char> text, NumberCluster cluster, Regex pattern, EntityKind kind, Validator valid, ref List<EntityMatch>? found)
        => Confirmed(text, cluster.Start, cluster.End, pattern, kind, valid, ref found);

    /// <summary>Confirms the matches of <paramref name="pattern"/> within [<paramref name="start"/>, <paramref name="end"/>).
    /// The search starts at <paramref name="start"/> of the whole text, so look-behinds see the characters before it; it
    /// ends at <paramref name="end"/>, which callers choose where no look-ahead could see a difference.</summary>
    private static void Confirmed(ReadOnlySpan<char> text, int start, int end, Regex pattern, EntityKind kind, Validator valid, ref List<EntityMatch>? found)
    {
        foreach (var m in pattern.EnumerateMatches(text[..end], start))
        {
            if (valid(text, m.Index, m.Length))
            {
                Add(ref found, new EntityMatch(kind, m.Index, m.Length));
            }
        }
    }

    /// <summary>Confirms a candidate at <paramref name="start"/> of <paramref name="length"/> characters; the whole
    /// text is given so that a validator can read the context.</summary>
    private delegate bool Validator(ReadOnlySpan<char> text, int start, int length);

    /// <summary>The digits of a grouped number, separators dropped, into <paramref name="buffer"/>.</summary>
    private static ReadOnlySpan<char> Compact(ReadOnlySpan<char> value, Span<char> buffer)
    {
        int n = 0;
        foreach (char c in value)
        {
            if (char.IsAsciiLetterOrDigit(c) && n < buffer.Length)
            {
                buffer[n++] = c;
            }
        }

        return buffer[..n];
    }

    private static bool ValidResidentId(ReadOnlySpan<char> value)
    {
        Span<char> buffer = stackalloc char[20];
        return Checksums.ResidentId(Compact(value, buffer));
    }

    /// <summary>A social credit code: its MOD 31 check; then a cue such as "信用代码", or else a letter or the
    /// organization code's own check (an all-digit code could be any 18-digit number) and no reading as a resident
    /// ID number; never after an order or serial cue.</summary>
    private static bool ValidSocialCreditCode(ReadOnlySpan<char> text, int start, int length)
    {
        var code = text.Slice(start, length);
        if (!Checksums.SocialCreditCode(code))
        {
            return false;
        }

        bool letters = code.ContainsAnyInRange('A', 'Z');
        var cue = EntityContext.Uscc(text, start, length, letters);
        if (cue == ContextCue.Denies)
        {
            return false;
        }

        return cue == ContextCue.Confirms || (!Checksums.IdLike(code) && (letters || Checksums.OrganizationCode(code.Slice(8, 9))));
    }

    /// <summary>A card number: Luhn and an issuer prefix that fits its length; never after an order, tracking or
    /// serial cue nor as the result of arithmetic; written compact (not grouped like a card) it also needs no
    /// reading as a resident ID number with a wrong check character, unless a card cue precedes it.</summary>
    private static bool ValidCard(ReadOnlySpan<char> text, int start, int length)
    {
        var value = text.Slice(start, length);
        Span<char> buffer = stackalloc char[20];
        var digits = Compact(value, buffer);
        if (!Checksums.Luhn(digits) || !Checksums.IssuerPrefix(digits))
        {
            return false;
        }

        var cue = EntityContext.Card(text, start, length);
        if (cue == ContextCue.Denies || EntityContext.IsArithmetic(text, start))
        {
            return false;
        }

        bool grouped = digits.Length != value.Length;
        return grouped || cue == ContextCue.Confirms || !(digits.Length == 18 && Checksums.IdLike(digits));
    }

    /// <summary>An international number; not a signed count: no arithmetic before it, no unit after it, and not
    /// the first of a "+added -removed" pair.</summary>
    private static bool ValidInternational(ReadOnlySpan<char> text, int start, int length)
    {
        var after = text[(start + length)..].TrimStart(' ');
        bool pair = after.Length > 1 && after[0] == '-' && char.IsAsciiDigit(after[1]);
        return PhoneNumbers.International(text.Slice(start, length)) && !pair && !EntityContext.IsArithmetic(text, start) && !EntityContext.IsQuantity(text, start + length);
    }

    /// <summary>Any passport number introduced as one ("passport no. X1234567", "护照号码：X1234567").</summary>
    private static void ScanPassportContext(ReadOnlySpan<char> text, ref List<EntityMatch>? found)
    {
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

    private static void ScanIpv6(ReadOnlySpan<char> text, NumberCluster cluster, ref List<EntityMatch>? found)
    {
        foreach (var m in Ipv6CandidatePattern().EnumerateMatches(text[..cluster.End], cluster.Start))
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
        for (int i = found.Count - 1; i >= 0; i--)
        {
            var f = found[i];
            if (match.Start < f.End && f.Start < match.End)
            {
                return;
            }

            if (f.Start > match.Start)
            {
                at = i;
            }
        }

        found.Insert(at, match);
    }

    // 18 characters (17 digits, the first 1–9, and a digit or X), written together or as 6-8-4, 6-4-4-4 or 6-12.
    [GeneratedRegex("(?<![0-9A-Za-z])[1-9][0-9]{5}(?:[0-9]{11}|(?<s>[ -])(?:[0-9]{8}\\k<s>[0-9]{3}|[0-9]{4}\\k<s>[0-9]{4}\\k<s>[0-9]{3}|[0-9]{11}))[0-9Xx](?![0-9A-Za-z]|[ -][0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex ResidentIdPattern();

    // 18 characters of the GB 32100 alphabet, positions 3–8 an administrative-division code.
    [GeneratedRegex("(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex SocialCreditPattern();

    // 14–19 digits written together; 4-4-4-4 with an optional last group of 1–3 (17–19 digits); 4-4-4-2 and 4-4-4-3
    // (Diners, Amex typed in fours); Amex 4-6-5; Diners 4-6-4; one consistent separator (space or dash). The issuer prefix and Luhn are checked after.
    [GeneratedRegex("(?<![0-9A-Za-z])(?:[2-6][0-9]{13,18}(?![0-9A-Za-z])|[2-6][0-9]{3}(?<s>[ -])(?:[0-9]{4}\\k<s>[0-9]{4}\\k<s>(?:[0-9]{4}(?:\\k<s>[0-9]{1,3})?|[0-9]{2,3})|[0-9]{6}\\k<s>[0-9]{4,5})(?![0-9A-Za-z]|[ -][0-9]))", RegexOptions.CultureInvariant)]
    private static partial Regex CardPattern();

    // Mainland mobile: 1[3-9] and 9 more digits, optionally after +86/0086/86/(+86), as 11 digits or 3-4-4 groups.
    [GeneratedRegex("(?<![0-9A-Za-z+])(?:(?:\\+86|0086|86|\\(\\+86\\)|（\\+86）)[ -]?)?1[3-9][0-9](?:[0-9]{8}(?![0-9A-Za-z])|[ -][0-9]{4}[ -][0-9]{4}(?![0-9A-Za-z]|[ -][0-9]))", RegexOptions.CultureInvariant)]
    private static partial Regex ChinaMobilePattern();

    // Mainland mobile (as above) or landline in one pass; the validators tell them apart. A landline: an area code (0
    // and 2–3 digits, in brackets or not; after +86 the 0 is dropped) and a 7–8 digit number, optionally split 3-4
    // or 4-4; PhoneNumbers.ChinaLandline checks the lengths.
    [GeneratedRegex("(?<![0-9A-Za-z+])(?:(?:(?:\\+86|0086|86|\\(\\+86\\)|（\\+86）)[ -]?)?1[3-9][0-9](?:[0-9]{8}(?![0-9A-Za-z])|[ -][0-9]{4}[ -][0-9]{4}(?![0-9A-Za-z]|[ -][0-9]))|(?:(?:\\+86|0086|\\(\\+86\\)|（\\+86）)[ -]?)?(?:\\(0?[1-9][0-9]{1,2}\\)[ ]?|（0?[1-9][0-9]{1,2}）|0?[1-9][0-9]{1,2}[ -]?)[2-9][0-9]{2,3}[ -]?[0-9]{4}(?![0-9A-Za-z]|[ -]?[0-9]))", RegexOptions.CultureInvariant)]
    private static partial Regex ChinaPhonePattern();

    // International: + and a country code, then the number written together or in the national layout: groups
    // of 1–8 digits separated by a space, dash or dot, an area code in brackets, the trunk "(0)".
    [GeneratedRegex("(?<![0-9A-Za-z+])\\+[1-9](?:[0-9]{6,14}|[0-9]{0,3}(?:(?:[ .-]|[ ]?\\([0-9]{1,4}\\)[ ]?)[0-9]{1,8}){1,6})(?![0-9A-Za-z]|[ .-][0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex InternationalPattern();

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
}
