using System.Globalization;

namespace Candor.Core.Accounting;

/// <summary>Money and exact rationals as integer millionths: 1 currency unit = 1,000,000 micros, and a
/// multiplier of 1× = 1,000,000 parts per million. Decimal text ("2.50") is parsed digit by digit into
/// integers, so no binary floating point ever touches a price.</summary>
internal static class Micros
{
    /// <summary>Micros in one currency unit (and parts per million in 1×).</summary>
    public const long PerUnit = 1_000_000;

    /// <summary>Parses non-negative decimal text with at most six significant fraction digits (trailing zeros
    /// beyond the sixth are accepted, since they lose nothing) into millionths.</summary>
    /// <param name="text">Text such as "2.50", "0.075", "10" or "1e-6" (exponents are refused).</param>
    /// <param name="value">The amount in millionths when the text is valid.</param>
    /// <param name="error">Why the text is refused, when it is.</param>
    /// <returns>Whether <paramref name="text"/> is an exact, representable amount.</returns>
    public static bool TryParse(string? text, out long value, out string? error)
    {
        value = 0;
        error = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "expected a decimal amount such as 2.50";
            return false;
        }

        if (text[0] == '-')
        {
            error = "negative amounts are not allowed";
            return false;
        }

        long whole = 0;
        long fraction = 0;
        int fractionDigits = 0;
        int digits = 0;
        bool seenPoint = false;
        foreach (char c in text)
        {
            if (c == '.' && !seenPoint)
            {
                seenPoint = true;
                continue;
            }

            if (c is < '0' or > '9')
            {
                error = $"'{text}' is not a plain decimal amount (digits and one '.', no sign, exponent or separators)";
                return false;
            }

            digits++;
            int d = c - '0';
            if (!seenPoint)
            {
                if (whole > (long.MaxValue / PerUnit - d) / 10)
                {
                    error = $"'{text}' is too large";
                    return false;
                }

                whole = (whole * 10) + d;
            }
            else if (fractionDigits < 6)
            {
                fraction = (fraction * 10) + d;
                fractionDigits++;
            }
            else if (d != 0)
            {
                error = $"'{text}' has more precision than 0.000001, the smallest representable unit";
                return false;
            }
        }

        if (digits == 0)
        {
            error = "expected a decimal amount such as 2.50";
            return false;
        }

        for (int i = fractionDigits; i < 6; i++)
        {
            fraction *= 10;
        }

        if (whole > (long.MaxValue - fraction) / PerUnit)
        {
            error = $"'{text}' is too large";
            return false;
        }

        value = (whole * PerUnit) + fraction;
        return true;
    }

    /// <summary>Formats millionths as the shortest exact decimal text ("2.5", "0.000125", "10").</summary>
    public static string Format(long value)
    {
        string sign = value < 0 ? "-" : "";
        ulong magnitude = value < 0 ? (ulong)(-(value + 1)) + 1 : (ulong)value;
        ulong whole = magnitude / PerUnit;
        ulong fraction = magnitude % PerUnit;
        if (fraction == 0)
        {
            return sign + whole.ToString(CultureInfo.InvariantCulture);
        }

        return sign + whole.ToString(CultureInfo.InvariantCulture) + "." + fraction.ToString("D6", CultureInfo.InvariantCulture).TrimEnd('0');
    }
}
