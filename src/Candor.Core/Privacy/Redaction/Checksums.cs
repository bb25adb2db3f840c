namespace Candor.Core.Privacy.Redaction;

/// <summary>The check digits that separate real identifiers from look-alike digit runs.</summary>
internal static class Checksums
{
    private static ReadOnlySpan<byte> IdWeights => [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

    private static ReadOnlySpan<byte> UsccWeights => [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

    private const string IdCheckChars = "10X98765432";

    /// <summary>GB 32100 alphabet: digits and upper-case letters without I, O, Z, S, V; a character's value is its index.</summary>
    internal const string UsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

    /// <summary>Luhn (ISO/IEC 7812) over the digits of <paramref name="text"/>, ignoring spaces and dashes.</summary>
    public static bool Luhn(ReadOnlySpan<char> text)
    {
        int sum = 0, n = 0;
        for (int i = text.Length - 1; i >= 0; i--)
        {
            char c = text[i];
            if (c is ' ' or '-')
            {
                continue;
            }

            int d = c - '0';
            if ((uint)d > 9)
            {
                return false;
            }

            if ((n++ & 1) == 1)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
        }

        return n > 1 && sum % 10 == 0;
    }

    /// <summary>A PRC resident identity number (GB 11643-1999, 18 characters): a known province code, a
    /// calendar-valid birth date from 1880 to this year, and the ISO 7064 MOD 11-2 check character.</summary>
    public static bool ResidentId(ReadOnlySpan<char> id)
    {
        if (id.Length != 18)
        {
            return false;
        }

        int sum = 0;
        for (int i = 0; i < 17; i++)
        {
            int d = id[i] - '0';
            if ((uint)d > 9)
            {
                return false;
            }

            sum += d * IdWeights[i];
        }

        char check = char.ToUpperInvariant(id[17]);
        if (check != IdCheckChars[sum % 11])
        {
            return false;
        }

        return IdLike(id);
    }

    /// <summary>The structure of a resident identity number without its check character: a province code, a
    /// prefecture other than 00, and a calendar-valid birth date from 1880 to this year (17 or more digits).</summary>
    public static bool IdLike(ReadOnlySpan<char> digits)
    {
        if (digits.Length < 14 || digits[..14].ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        int province = Number(digits[..2]), prefecture = Number(digits.Slice(2, 2));
        if (!IsProvince(province) || prefecture == 0)
        {
            return false;
        }

        int year = Number(digits.Slice(6, 4)), month = Number(digits.Slice(10, 2)), day = Number(digits.Slice(12, 2));
        return year >= 1880 && year <= DateTime.UtcNow.Year && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month);
    }

    /// <summary>True when eight digits read as a calendar date from 1900 to 2099 (<c>20240315</c>): an error, event or
    /// batch code more often than a passport number.</summary>
    public static bool IsDate(ReadOnlySpan<char> digits)
    {
        if (digits.Length != 8 || digits.ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        int year = Number(digits[..4]), month = Number(digits.Slice(4, 2)), day = Number(digits.Slice(6, 2));
        return year is >= 1900 and <= 2099 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month);
    }

    /// <summary>The organization code inside a social credit code (characters 9–17, GB 11714-1997): eight body
    /// characters and a MOD 11 check character (X for 10, 0 for 11).</summary>
    public static bool OrganizationCode(ReadOnlySpan<char> code)
    {
        ReadOnlySpan<byte> weights = [3, 7, 9, 10, 5, 8, 4, 2];
        if (code.Length != 9)
        {
            return false;
        }

        int sum = 0;
        for (int i = 0; i < 8; i++)
        {
            char c = code[i];
            int v = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetterUpper(c) ? c - 'A' + 10 : -1;
            if (v < 0)
            {
                return false;
            }

            sum += v * weights[i];
        }

        int check = 11 - (sum % 11);
        char expected = check == 10 ? 'X' : check == 11 ? '0' : (char)('0' + check);
        return code[8] == expected;
    }

    /// <summary>A payment card's issuer prefix (IIN) agrees with its length: Visa 4 (16, 19), Mastercard 51–55 and
    /// 2221–2720 (16), Mir 2200–2204, Amex 34/37 (15), Diners 300–305/3095/36/38/39 (14, 16), JCB 3528–3589,
    /// Discover 6011/644–649/65, UnionPay 62 and Maestro 50/56–69 (16–19).</summary>
    public static bool IssuerPrefix(ReadOnlySpan<char> digits)
    {
        int n = digits.Length;
        if (n < 14 || n > 19)
        {
            return false;
        }

        int two = Number(digits[..2]), four = Number(digits[..4]);
        return digits[0] switch
        {
            '4' => n is 16 or 19,
            '5' => two is >= 51 and <= 55 ? n == 16 : two is >= 50 && n >= 16,
            '2' => four is >= 2221 and <= 2720 ? n == 16 : four is >= 2200 and <= 2204 && n >= 16,
            '3' => two is 34 or 37 ? n == 15
                : (two is 36 or 38 or 39 || four is >= 3000 and <= 3059 || four == 3095) ? n is 14 or 16
                : four is >= 3528 and <= 3589 && n >= 16,
            '6' => n >= 16,
            _ => false,
        };
    }

    /// <summary>A PRC unified social credit code (GB 32100-2015, 18 characters) with its MOD 31 check character.</summary>
    public static bool SocialCreditCode(ReadOnlySpan<char> code)
    {
        if (code.Length != 18)
        {
            return false;
        }

        int sum = 0;
        for (int i = 0; i < 17; i++)
        {
            int v = UsccAlphabet.IndexOf(code[i], StringComparison.Ordinal);
            if (v < 0)
            {
                return false;
            }

            sum += v * UsccWeights[i];
        }

        int check = 31 - (sum % 31);
        return code[17] == UsccAlphabet[check == 31 ? 0 : check];
    }

    private static bool IsProvince(int code) => code switch
    {
        >= 11 and <= 15 or >= 21 and <= 23 or >= 31 and <= 37 or >= 41 and <= 46 or >= 50 and <= 54 or >= 61 and <= 65 => true,
        71 or 81 or 82 or 83 or 91 => true,
        _ => false,
    };

    private static int Number(ReadOnlySpan<char> digits)
    {
        int v = 0;
        foreach (char c in digits)
        {
            v = (v * 10) + (c - '0');
        }

        return v;
    }
}
