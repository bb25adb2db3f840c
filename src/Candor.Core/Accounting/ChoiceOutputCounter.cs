namespace Candor.Core.Accounting;

/// <summary>Counts the output of every choice of one response (OpenAI <c>n</c>, Gemini <c>candidateCount</c>): one
/// <see cref="StreamingOutputCounter"/> per choice index, so that the deltas of interleaved choices never merge into
/// each other's tokens, and <see cref="Count"/> is their sum. The first choice's counter is made at once; the others
/// when their first delta arrives. An upstream cannot make it grow without bound: an index beyond what
/// <c>server.max_choices</c> allows (or a negative one) shares one last counter. Not thread-safe: one per response.</summary>
internal sealed class ChoiceOutputCounter
{
    /// <summary>Choice indexes 0 to <c>MaxCounters - 2</c> are counted apart (every index <c>server.max_choices</c>, at
    /// most 128, allows); any other index shares the last counter.</summary>
    internal const int MaxCounters = 129;

    private readonly TiktokenEncoding _encoding;
    private readonly StreamingOutputCounter _first;
    private StreamingOutputCounter?[]? _others;

    internal ChoiceOutputCounter(TiktokenEncoding encoding)
    {
        _encoding = encoding;
        _first = new StreamingOutputCounter(encoding);
    }

    /// <summary>Tokens of all choices' text appended so far.</summary>
    public long Count
    {
        get
        {
            long count = _first.Count;
            if (_others is not null)
            {
                foreach (var counter in _others)
                {
                    count += counter?.Count ?? 0;
                }
            }

            return count;
        }
    }

    /// <summary>Characters of all choices appended so far.</summary>
    public long Characters
    {
        get
        {
            long characters = _first.Characters;
            if (_others is not null)
            {
                foreach (var counter in _others)
                {
                    characters += counter?.Characters ?? 0;
                }
            }

            return characters;
        }
    }

    /// <summary>Appends a text delta of choice <paramref name="choice"/>.</summary>
    public void Append(int choice, string? delta)
    {
        if (string.IsNullOrEmpty(delta))
        {
            return;
        }

        For(choice).Append(delta);
    }

    private StreamingOutputCounter For(int choice)
    {
        if (choice == 0)
        {
            return _first;
        }

        int slot = choice is > 0 and < MaxCounters ? choice : MaxCounters - 1;
        _others ??= new StreamingOutputCounter?[MaxCounters];
        return _others[slot] ??= new StreamingOutputCounter(_encoding);
    }
}
