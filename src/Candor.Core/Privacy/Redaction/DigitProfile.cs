namespace Candor.Core.Privacy.Redaction;

/// <summary>One cheap pass over a text that tells which digit-based families could match at all: the longest
/// run of digits, the longest sequence of digit runs joined by single spaces or dashes (grouped card, ID and
/// phone numbers), the number of colons, whether a dot sits between two digits, whether a run of digits starts
/// with 0 (a trunk prefix: landlines), and the longest run of lower-case hexadecimal characters that holds a
/// letter (key ids such as Zhipu's; a run of digits alone is not one).</summary>
internal readonly record struct DigitProfile(int LongestRun, int LongestGroup, int Colons, bool DotBetweenDigits, int LongestHex, bool LeadingZero)
{
    public static DigitProfile Of(ReadOnlySpan<char> text)
    {
        int run = 0, group = 0, hex = 0, longestRun = 0, longestGroup = 0, longestHex = 0, colons = 0;
        bool dot = false, hexLetter = false, zero = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsAsciiDigit(c))
            {
                zero |= run == 0 && c == '0';
                run++;
                group++;
                hex++;
                continue;
            }

            if ((uint)(c - 'a') <= 'f' - 'a')
            {
                hex++;
                hexLetter = true;
            }
            else
            {
                longestHex = hexLetter ? Math.Max(longestHex, hex) : longestHex;
                hex = 0;
                hexLetter = false;
            }

            if (run == 0)
            {
                if (c == ':')
                {
                    colons++;
                }

                continue;
            }

            longestRun = Math.Max(longestRun, run);
            longestGroup = Math.Max(longestGroup, group);
            bool nextDigit = i + 1 < text.Length && char.IsAsciiDigit(text[i + 1]);
            if (!((c is ' ' or '-') && nextDigit))
            {
                group = 0;
            }

            if (c == '.' && nextDigit)
            {
                dot = true;
            }
            else if (c == ':')
            {
                colons++;
            }

            run = 0;
        }

        longestHex = hexLetter ? Math.Max(longestHex, hex) : longestHex;
        return new DigitProfile(Math.Max(longestRun, run), Math.Max(longestGroup, group), colons, dot, longestHex, zero);
    }
}
