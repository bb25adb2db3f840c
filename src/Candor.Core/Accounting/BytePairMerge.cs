using System.Buffers;

namespace Candor.Core.Accounting;

/// <summary>Byte-pair merging as tiktoken defines it: start from single bytes and repeatedly merge the
/// adjacent pair whose concatenation is the token of lowest rank (the leftmost such pair on ties) until no
/// adjacent pair is a token; the parts left are the tokens. Only their number is computed. Short pieces use
/// a linear scan per merge (cache-friendly, quadratic only in at most <see cref="LinearLimit"/> bytes);
/// longer ones (a CJK run or a long run of letters is one pre-token and can be 100k+ characters) use a
/// linked list of parts and a min-heap of candidate pairs keyed by (rank, position), O(n log n).
/// Both pick the same pair at every step, so they give the same parts.</summary>
internal static class BytePairMerge
{
    /// <summary>Pieces longer than this many bytes use the heap.</summary>
    internal const int LinearLimit = 128;

    private const int None = int.MaxValue;

    /// <summary>Heap pushes and pops done by the heap variant on this thread (for tests that bound the work).</summary>
    [ThreadStatic]
    internal static long t_heapOperations;

    /// <summary>The number of tokens <paramref name="piece"/> (at least two bytes) merges into.</summary>
    public static int Count(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece) =>
        piece.Length <= LinearLimit ? CountLinear(vocabulary, piece) : CountWithHeap(vocabulary, piece);

    /// <summary>The linear-scan variant, for any length (tests compare it with the heap variant).</summary>
    internal static int CountLinear(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece)
    {
        int n = piece.Length;
        int[]? rented = null;
        Span<int> buffer = n <= LinearLimit ? stackalloc int[(2 * LinearLimit) + 1] : (rented = ArrayPool<int>.Shared.Rent((2 * n) + 1));

        // starts[i] is where part i begins (starts[parts] = n); ranks[i] is the rank of parts i and i+1 merged.
        var starts = buffer[..(n + 1)];
        var ranks = buffer.Slice(n + 1, n);
        for (int i = 0; i <= n; i++)
        {
            starts[i] = i;
        }

        for (int i = 0; i < n - 1; i++)
        {
            ranks[i] = RankOf(vocabulary, piece, i, i + 2);
        }

        int parts = n;
        while (parts > 1)
        {
            int best = -1;
            int bestRank = None;
            for (int i = 0; i < parts - 1; i++)
            {
                if (ranks[i] < bestRank)
                {
                    bestRank = ranks[i];
                    best = i;
                }
            }

            if (best < 0)
            {
                break;
            }

            // Part best+1 joins part best.
            starts[(best + 2)..(parts + 1)].CopyTo(starts[(best + 1)..]);
            ranks[(best + 1)..(parts - 1)].CopyTo(ranks[best..]);
            parts--;
            ranks[best] = best + 2 <= parts ? RankOf(vocabulary, piece, starts[best], starts[best + 2]) : None;
            if (best > 0)
            {
                ranks[best - 1] = RankOf(vocabulary, piece, starts[best - 1], starts[best + 1]);
            }
        }

        if (rented is not null)
        {
            ArrayPool<int>.Shared.Return(rented);
        }

        return parts;
    }

    /// <summary>The heap variant, for any length of at least two bytes.</summary>
    internal static int CountWithHeap(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece)
    {
        int n = piece.Length;

        // Parts are identified by the byte where they start; next/previous link the live parts, pairRank[s]
        // is the rank of the live part at s merged with its successor (None when that is no token or s is
        // no longer a part's start). A heap entry (rank, s) is current only while pairRank[s] == rank: a
        // rank names one token, so the same (rank, s) always means the same pair.
        int[] links = ArrayPool<int>.Shared.Rent(3 * n);
        long[] heapArray = ArrayPool<long>.Shared.Rent(3 * n);
        var next = links.AsSpan(0, n);
        var previous = links.AsSpan(n, n);
        var pairRank = links.AsSpan(2 * n, n);
        var heap = new MinHeap(heapArray);
        try
        {
            for (int i = 0; i < n; i++)
            {
                next[i] = i + 1;
                previous[i] = i - 1;
                pairRank[i] = i + 2 <= n ? RankOf(vocabulary, piece, i, i + 2) : None;
                if (pairRank[i] != None)
                {
                    heap.Push(pairRank[i], i);
                }
            }

            int parts = n;
            while (heap.Count > 0)
            {
                (int rank, int left) = heap.Pop();
                if (pairRank[left] != rank)
                {
                    continue;
                }

                int right = next[left];
                int end = next[right];
                next[left] = end;
                if (end < n)
                {
                    previous[end] = left;
                }

                pairRank[right] = None;
                parts--;

                pairRank[left] = end < n ? RankOf(vocabulary, piece, left, next[end]) : None;
                if (pairRank[left] != None)
                {
                    heap.Push(pairRank[left], left);
                }

                if (left > 0)
                {
                    int before = previous[left];
                    pairRank[before] = RankOf(vocabulary, piece, before, end);
                    if (pairRank[before] != None)
                    {
                        heap.Push(pairRank[before], before);
                    }
                }
            }

            t_heapOperations += heap.Operations;
            return parts;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(links);
            ArrayPool<long>.Shared.Return(heapArray);
        }
    }

    private static int RankOf(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece, int start, int end)
    {
        int rank = vocabulary.Rank(piece[start..end]);
        return rank < 0 ? None : rank;
    }

    /// <summary>A binary min-heap of (rank, position) packed into longs, so ties on rank go to the leftmost pair.</summary>
    private ref struct MinHeap(long[] items)
    {
        private readonly Span<long> _items = items;

        public int Count { get; private set; }

        public long Operations { get; private set; }

        public void Push(int rank, int position)
        {
            Operations++;
            long item = ((long)rank << 32) | (uint)position;
            int i = Count++;
            while (i > 0)
            {
                int parent = (i - 1) >> 1;
                if (_items[parent] <= item)
                {
                    break;
                }

                _items[i] = _items[parent];
                i = parent;
            }

            _items[i] = item;
        }

        public (int Rank, int Position) Pop()
        {
            Operations++;
            long top = _items[0];
            long last = _items[--Count];
            int i = 0;
            while (true)
            {
                int child = (2 * i) + 1;
                if (child >= Count)
                {
                    break;
                }

                if (child + 1 < Count && _items[child + 1] < _items[child])
                {
                    child++;
                }

                if (last <= _items[child])
                {
                    break;
                }

                _items[i] = _items[child];
                i = child;
            }

            if (Count > 0)
            {
                _items[i] = last;
            }

            return ((int)(top >> 32), (int)top);
        }
    }
}
