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

        int province = ((id[0] - '0') * 10) + (id[1] - '0');
        if (!IsProvince(province))
        {
            return false;
        }

        int year = Number(id.Slice(6, 4)), month = Number(id.Slice(10, 2)), day = Number(id.Slice(12, 2));
        return year >= 1880 && year <= DateTime.UtcNow.Year && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month);
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
