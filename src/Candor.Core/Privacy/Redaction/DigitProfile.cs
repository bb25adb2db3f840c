namespace Candor.Core.Privacy.Redaction;

/// <summary>One cheap pass over a text that tells which digit-based families could match at all: the longest
/// run of digits, the longest sequence of digit runs joined by single spaces or dashes (grouped card and phone
/// numbers), the number of colons, and whether a dot sits between two digits.</summary>
internal readonly record struct DigitProfile(int LongestRun, int LongestGroup, int Colons, bool DotBetweenDigits)
{
    public static DigitProfile Of(ReadOnlySpan<char> text)
    {
        int run = 0, group = 0, longestRun = 0, longestGroup = 0, colons = 0;
        bool dot = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsAsciiDigit(c))
            {
                run++;
                group++;
                continue;
            }

            longestRun = Math.Max(longestRun, run);
            longestGroup = Math.Max(longestGroup, group);
            bool nextDigit = i + 1 < text.Length && char.IsAsciiDigit(text[i + 1]);
            if (!((c is ' ' or '-') && run > 0 && nextDigit))
            {
                group = 0;
            }

            if (c == '.' && run > 0 && nextDigit)
            {
                dot = true;
            }
            else if (c == ':')
            {
                colons++;
            }

            run = 0;
        }

        return new DigitProfile(Math.Max(longestRun, run), Math.Max(longestGroup, group), colons, dot);
    }
}
