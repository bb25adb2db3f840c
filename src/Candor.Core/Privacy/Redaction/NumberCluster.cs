using System.Buffers;

namespace Candor.Core.Privacy.Redaction;

/// <summary>One place in a text where a number-based entity could be: digit runs close enough together to belong
/// to one value, with the letters, colons and bracket or sign characters around them. The number families run
/// their expressions only on the window of a cluster whose shape could hold them, never over the whole text.</summary>
/// <remarks>Digit runs join when what lies between them is only letters and colons (an IPv6 address, a code
/// with letters) or at most <see cref="MaxGap"/> other characters (separators, brackets, <c>") ("</c> of
/// <c>(+86) (028) …</c>, the dot of an IPv4 address): no pattern of the number families holds another gap between
/// two digits. So a match never spans two clusters, and a window ends where no pattern's
/// look-ahead could see anything different from the whole text.</remarks>
/// <param name="Start">Where the window starts: the first digit, after the letters and colons before it and up to
/// <see cref="MaxGap"/> characters of prefix (<c>+</c>, <c>(</c>, <c>（+</c>).</param>
/// <param name="End">Just past the last digit and the letters and colons after it.</param>
/// <param name="LongestRun">The longest run of digits.</param>
/// <param name="LongestGroup">The longest sequence of digit runs joined by single spaces or dashes.</param>
/// <param name="Colons">Colons in the window.</param>
/// <param name="DotBetweenDigits">Whether a dot sits between two digits.</param>
/// <param name="LeadingZero">Whether a run of digits starts with 0 (a trunk prefix: landlines).</param>
/// <param name="Plus">Whether the window holds '+' (an international prefix).</param>
internal readonly record struct NumberCluster(int Start, int End, int LongestRun, int LongestGroup, int Colons, bool DotBetweenDigits, bool LeadingZero, bool Plus)
{
    /// <summary>The most non-letter characters between two digits of one value.</summary>
    public const int MaxGap = 3;

    /// <summary>ASCII digits; a <see cref="SearchValues{T}"/> rather than <c>IndexOfAnyInRange</c>, whose generic
    /// code allocates until the JIT optimizes it.</summary>
    private static readonly SearchValues<char> Digits = SearchValues.Create("0123456789");

    /// <summary>Finds the cluster whose first digit is the first at or after <paramref name="from"/>; its window
    /// starts no earlier than <paramref name="floor"/> (the end of the previous window). False when no digit is left.</summary>
    public static bool Next(ReadOnlySpan<char> text, int from, int floor, out NumberCluster cluster)
    {
        cluster = default;
        int first = text[from..].IndexOfAny(Digits);
        if (first < 0)
        {
            return false;
        }

        first += from;
        int start = first;
        while (start > floor && IsLetterOrColon(text[start - 1]))
        {
            start--;
        }

        start = Math.Max(floor, start - MaxGap);
        int i = first, longestRun = 0, longestGroup = 0, group = 0, colons = 0;
        bool dot = false, zero = false;
        while (true)
        {
            int run = text[i..].IndexOfAnyExcept(Digits);
            run = run < 0 ? text.Length - i : run;
            zero |= text[i] == '0';
            longestRun = Math.Max(longestRun, run);
            group += run;
            longestGroup = Math.Max(longestGroup, group);
            i += run;

            // The gap to the next digit: only letters and colons, or at most MaxGap other characters.
            int gap = i, letters = 0, others = 0;
            while (gap < text.Length && !char.IsAsciiDigit(text[gap]))
            {
                _ = IsLetterOrColon(text[gap]) ? letters++ : others++;
                if (others > 0 && (letters > 0 || others > MaxGap))
                {
                    break;
                }

                gap++;
            }

            bool joined = gap < text.Length && char.IsAsciiDigit(text[gap]);
            int width = gap - i;
            if (!(width == 1 && text[i] is ' ' or '-' && joined))
            {
                group = 0;
            }

            dot |= joined && width == 1 && text[i] == '.';
            if (!joined)
            {
                break;
            }

            i = gap;
        }

        int end = i;
        while (end < text.Length && IsLetterOrColon(text[end]))
        {
            end++;
        }

        var window = text[start..end];
        foreach (char c in window)
        {
            colons += c == ':' ? 1 : 0;
        }

        cluster = new NumberCluster(start, end, longestRun, longestGroup, colons, dot, zero, window.Contains('+'));
        return true;
    }

    private static bool IsLetterOrColon(char c) => char.IsAsciiLetter(c) || c == ':';
}
