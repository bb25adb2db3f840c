using System.Text.RegularExpressions;

namespace Candor.Core.Accounting;

/// <summary>Enumerates the pre-tokens of a text without allocating: special tokens are found first (the
/// leftmost occurrence of any of them), and the text between two of them is split by the encoding's regex,
/// matched on that segment alone (so "$" and look-aheads see the segment's end, as in the reference
/// tokenizer).</summary>
internal ref struct PreTokenEnumerator
{
    private readonly ReadOnlySpan<char> _text;
    private readonly Regex _regex;
    private readonly string[] _specialTokens;
    private Regex.ValueMatchEnumerator _matches;
    private int _segmentStart;
    private int _specialStart;
    private int _specialLength;
    private bool _done;

    internal PreTokenEnumerator(ReadOnlySpan<char> text, Regex regex, string[] specialTokens)
    {
        _text = text;
        _regex = regex;
        _specialTokens = specialTokens;
        StartSegment(0);
    }

    /// <summary>The current piece.</summary>
    public PreToken Current { get; private set; }

    /// <summary>Returns this enumerator (for foreach).</summary>
    public readonly PreTokenEnumerator GetEnumerator() => this;

    /// <summary>Moves to the next piece.</summary>
    public bool MoveNext()
    {
        if (_done)
        {
            return false;
        }

        if (_matches.MoveNext())
        {
            var match = _matches.Current;
            Current = new PreToken(_segmentStart + match.Index, match.Length, IsSpecial: false);
            return true;
        }

        if (_specialLength == 0)
        {
            _done = true;
            return false;
        }

        Current = new PreToken(_specialStart, _specialLength, IsSpecial: true);
        StartSegment(_specialStart + _specialLength);
        return true;
    }

    private void StartSegment(int start)
    {
        _segmentStart = start;
        _specialLength = 0;
        int end = _text.Length;
        int from = start;
        while (from < _text.Length)
        {
            int at = _text[from..].IndexOf('<');
            if (at < 0)
            {
                break;
            }

            at += from;
            var rest = _text[at..];
            foreach (string special in _specialTokens)
            {
                if (rest.StartsWith(special, StringComparison.Ordinal))
                {
                    _specialLength = special.Length;
                    break;
                }
            }

            if (_specialLength > 0)
            {
                end = at;
                break;
            }

            from = at + 1;
        }

        _specialStart = end;
        _matches = _regex.EnumerateMatches(_text[start..end]);
    }
}
