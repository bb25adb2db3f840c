namespace Candor.Core.Privacy.Redaction;

/// <summary>The structure of telephone numbers that a pattern alone cannot check: mainland area codes and number
/// lengths, and country codes (ITU-T E.164) with the national lengths of the countries whose numbers are pasted
/// most. A signed count ("+104473819") is not a number of any country.</summary>
internal static class PhoneNumbers
{
    /// <summary>A mainland mobile number as the mobile pattern found it: 11 digits starting 1[3-9] after the
    /// country prefix, if any.</summary>
    public static bool ChinaMobile(ReadOnlySpan<char> value)
    {
        int n = 0;
        Span<char> digits = stackalloc char[16];
        foreach (char c in value)
        {
            if (char.IsAsciiDigit(c))
            {
                if (n == digits.Length)
                {
                    return false;
                }

                digits[n++] = c;
            }
        }

        var national = digits[..n];
        if (national.Length == 15 && national.StartsWith("0086"))
        {
            national = national[4..];
        }
        else if (national.Length == 13 && national.StartsWith("86"))
        {
            national = national[2..];
        }

        return national.Length == 11 && national[0] == '1' && national[1] is >= '3' and <= '9';
    }

    /// <summary>A mainland landline as the landline pattern found it: after +86 the trunk 0 is optional, without it
    /// required; area 10 and 20–29 take 8 digits, the 3-digit areas 7 or 8; a number starts 2–9; when the area is
    /// written apart (brackets, a separator) it has exactly the area's digits.</summary>
    public static bool ChinaLandline(ReadOnlySpan<char> value)
    {
        bool international = false;
        foreach (string prefix in (ReadOnlySpan<string>)["+86", "0086", "(+86)", "（+86）"])
        {
            if (value.StartsWith(prefix, StringComparison.Ordinal))
            {
                international = true;
                value = value[prefix.Length..].TrimStart(" -");
                break;
            }
        }

        Span<char> digits = stackalloc char[16];
        int n = 0, firstGroup = -1;
        foreach (char c in value)
        {
            if (char.IsAsciiDigit(c))
            {
                if (n == digits.Length)
                {
                    return false;
                }

                digits[n++] = c;
            }
            else if (firstGroup < 0 && n > 0)
            {
                firstGroup = n;
            }
        }

        var national = digits[..n];
        bool trunk = national.Length > 0 && national[0] == '0';
        if (!international && !trunk)
        {
            return false;
        }

        if (trunk)
        {
            national = national[1..];
        }

        if (national.Length < 9)
        {
            return false;
        }

        int area = national[0] switch
        {
            '1' => national[1] == '0' ? 2 : 0,
            '2' => 2,
            >= '3' and <= '9' => 3,
            _ => 0,
        };
        int subscriber = national.Length - area;
        if (area == 0 || national[area] is '0' or '1' || subscriber > 8 || subscriber < (area == 2 ? 8 : 7))
        {
            return false;
        }

        return firstGroup < 0 || firstGroup == n || firstGroup == area + (trunk ? 1 : 0);
    }

    /// <summary>An international number as the pattern found it: a country code that exists, and a national number
    /// of that country's length (the trunk "(0)" not counted); grouped, the country code is the first group.</summary>
    public static bool International(ReadOnlySpan<char> value)
    {
        Span<char> digits = stackalloc char[20];
        int n = 0, firstGroup = -1;
        for (int i = 1; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '(' && i + 2 < value.Length && value[i + 1] == '0' && value[i + 2] == ')')
            {
                firstGroup = firstGroup < 0 ? n : firstGroup;
                i += 2;
                continue;
            }

            if (char.IsAsciiDigit(c))
            {
                if (n == digits.Length)
                {
                    return false;
                }

                digits[n++] = c;
            }
            else if (firstGroup < 0)
            {
                firstGroup = n;
            }
        }

        if (n is < 8 or > 15)
        {
            return false;
        }

        int cc = CountryCodeLength(digits);
        if (firstGroup >= 0 && firstGroup != cc)
        {
            return false;
        }

        int code = Number(digits[..cc]), national = n - cc;
        var first = digits[cc];
        return code switch
        {
            1 => national == 10 && first is >= '2' and <= '9',
            7 => national == 10,
            86 => national is >= 9 and <= 11,
            44 => national is 9 or 10,
            33 or 34 or 61 => national == 9,
            49 => national is >= 7 and <= 12,
            81 or 84 => national is 9 or 10,
            82 => national is >= 8 and <= 10,
            852 or 853 or 65 => national == 8,
            886 or 66 => national is 8 or 9,
            91 or 52 or 63 => national == 10,
            39 => national is >= 6 and <= 11,
            _ => national is >= 7 and <= 12,
        };
    }

    /// <summary>The length of the country code at the start of <paramref name="digits"/>: 1 and 7 are one digit;
    /// the two-digit codes of zones 2–9 are listed; every other code has three digits.</summary>
    private static int CountryCodeLength(ReadOnlySpan<char> digits)
    {
        if (digits[0] is '1' or '7')
        {
            return 1;
        }

        return Number(digits[..2]) switch
        {
            20 or 27 or 30 or 31 or 32 or 33 or 34 or 36 or 39 or 40 or 41 or 43 or 44 or 45 or 46 or 47 or 48 or 49 => 2,
            51 or 52 or 53 or 54 or 55 or 56 or 57 or 58 or 60 or 61 or 62 or 63 or 64 or 65 or 66 => 2,
            81 or 82 or 84 or 86 or 90 or 91 or 92 or 93 or 94 or 95 or 98 => 2,
            _ => 3,
        };
    }

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
