namespace Candor.Core.Accounting;

/// <summary>Counts a streamed output's tokens incrementally, fed text deltas split anywhere, without keeping
/// the whole text. Tiktoken-style tokenizers split text into pre-tokens with a regular expression and
/// encode each pre-token on its own, so the count of a text is the sum of its pre-tokens' counts. Only
/// the last few pre-tokens of what has arrived can still change when more text comes (a word, number or
/// whitespace run may continue, and a contraction like "'t" joins the word before it), so the counter
/// keeps an unfinished tail: when the tail grows past a window it pre-tokenizes it, counts everything
/// before the last <see cref="HeldBack"/> pre-tokens for good (cutting only after a non-whitespace
/// character, since whitespace runs are split by look-ahead), and keeps the rest. <see cref="Count"/>
/// then equals counting the concatenation of all deltas at once. Memory is bounded by the window plus
/// the longest pre-token (a CJK run without punctuation is one pre-token); the window doubles while no
/// cut is possible, so the work stays linear in the text's length. A cut walks the tail's pre-tokens once
/// without allocating. Not thread-safe: one counter per response.</summary>
internal sealed class StreamingOutputCounter
{
    /// <summary>Pre-tokens kept back at every cut; all that can change when text is appended are the last two.</summary>
    internal const int HeldBack = 3;

    private const int Window = 512;

    private readonly TiktokenEncoding _encoding;
    private char[] _tail = new char[Window];
    private int _length;
    private int _nextAttempt = Window;
    private long _committed;
    private long _characters;

    // The tail's tokens, counted at most once between appends (-1: not counted since the last change): settlement,
    // its usage record and the receipt all read Count of the same finished output.
    private long _tailCount = -1;

    internal StreamingOutputCounter(TiktokenEncoding encoding) => _encoding = encoding;

    /// <summary>Tokens of all text appended so far (committed plus the tail's).</summary>
    public long Count
    {
        get
        {
            if (_tailCount < 0)
            {
                _tailCount = _length == 0 ? 0 : _encoding.CountTokens(_tail.AsSpan(0, _length));
            }

            return _committed + _tailCount;
        }
    }

    /// <summary>Characters appended so far.</summary>
    public long Characters => _characters;

    /// <summary>Characters currently held in the unfinished tail (for tests and diagnostics).</summary>
    public int TailLength => _length;

    /// <summary>Appends a text delta.</summary>
    public void Append(string? delta) => Append(delta.AsSpan());

    /// <summary>Appends a text delta.</summary>
    public void Append(ReadOnlySpan<char> delta)
    {
        if (delta.IsEmpty)
        {
            return;
        }

        if (_length + delta.Length > _tail.Length)
        {
            Array.Resize(ref _tail, Math.Max(_tail.Length * 2, _length + delta.Length));
        }

        delta.CopyTo(_tail.AsSpan(_length));
        _length += delta.Length;
        _tailCount = -1;
        _characters += delta.Length;
        if (_length >= _nextAttempt)
        {
            Commit();
        }
    }

    private void Commit()
    {
        var tail = _tail.AsSpan(0, _length);

        // Cut at the start of the last pre-token that has at least HeldBack pre-tokens from it to the end and
        // whose preceding character is not whitespace: a whitespace run before a word or digits is split by
        // look-ahead ("\s+(?!\S)"), and a prefix ending inside such a run would pre-tokenize differently on
        // its own. Once pre-token k is seen, pre-token k + 1 - HeldBack has HeldBack pre-tokens from it on,
        // so a ring of the last HeldBack starts is all the walk keeps.
        Span<int> recent = stackalloc int[HeldBack];
        int cut = 0;
        int index = 0;
        foreach (var piece in _encoding.EnumeratePreTokens(tail))
        {
            recent[index % HeldBack] = piece.Offset;
            int candidate = index + 1 - HeldBack;
            if (candidate > 0)
            {
                int start = recent[candidate % HeldBack];
                if (!char.IsWhiteSpace(tail[start - 1]))
                {
                    cut = start;
                }
            }

            index++;
        }

        if (cut == 0)
        {
            _nextAttempt = _length * 2;
            return;
        }

        _committed += _encoding.CountTokens(tail[..cut]);
        tail[cut..].CopyTo(_tail);
        _length -= cut;
        _nextAttempt = Math.Max(Window, _length * 2);
        if (_tail.Length > 4 * Window && _length < _tail.Length / 4)
        {
            Array.Resize(ref _tail, Math.Max(Window, _length * 2));
        }
    }
}
