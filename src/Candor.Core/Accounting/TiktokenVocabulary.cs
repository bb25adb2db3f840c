using System.Buffers;
using System.Buffers.Text;
using System.IO.Compression;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Unicode;

namespace Candor.Core.Accounting;

/// <summary>A tiktoken vocabulary (token bytes → rank) stored without per-entry objects: one blob holding
/// every token's bytes in rank order, an offset per rank, and an open-addressing hash table of ranks whose
/// slots also carry a hash tag so most mismatches are rejected without touching the blob. o200k_base
/// (200k tokens, 1.4 MB of token bytes) takes about 4.3 MB; a dictionary of byte arrays and strings per
/// entry took about 40 MB. Immutable after loading and safe to share across threads.</summary>
internal sealed class TiktokenVocabulary
{
    private const uint Empty = 0;

    private readonly byte[] _blob;
    private readonly int[] _offsets;
    private readonly uint[] _table;
    private readonly ulong[] _wholeMatch;
    private readonly int _rankBits;
    private readonly uint _rankMask;
    private readonly int _tableMask;

    private TiktokenVocabulary(byte[] blob, int[] offsets, int count)
    {
        _blob = blob;
        _offsets = offsets;
        int ranks = offsets.Length - 1;
        _rankBits = BitOperations.Log2((uint)ranks) + 1;
        _rankMask = (1u << _rankBits) - 1;
        _table = new uint[(int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, count * 2))];
        _tableMask = _table.Length - 1;
        _wholeMatch = new ulong[(ranks + 63) / 64];
        for (int rank = 0; rank < ranks; rank++)
        {
            var token = Token(rank);
            if (token.IsEmpty)
            {
                continue;
            }

            MaxTokenLength = Math.Max(MaxTokenLength, token.Length);
            Insert(token, rank);

            // A piece that is itself a token counts as one only when the token's bytes are well-formed UTF-8
            // without U+FFFD: the reference tokenizer looks whole pieces up by their decoded text and leaves
            // out tokens that decode with replacement characters (those pieces go through the merges).
            if (Utf8.IsValid(token) && token.IndexOf("\uFFFD"u8) < 0)
            {
                _wholeMatch[rank >> 6] |= 1UL << rank;
            }
        }

        Count = count;
    }

    /// <summary>Tokens in the vocabulary.</summary>
    public int Count { get; }

    /// <summary>Length in bytes of the longest token; longer byte strings are never tokens.</summary>
    public int MaxTokenLength { get; }

    /// <summary>Managed bytes held by the vocabulary's arrays (for tests and documentation).</summary>
    public long ManagedBytes => _blob.LongLength + (4L * _offsets.Length) + (4L * _table.Length) + (8L * _wholeMatch.Length);

    /// <summary>The bytes of the token of <paramref name="rank"/> (empty for a rank the file skipped).</summary>
    public ReadOnlySpan<byte> Token(int rank) => _blob.AsSpan(_offsets[rank], _offsets[rank + 1] - _offsets[rank]);

    /// <summary>The rank of the token whose bytes are <paramref name="bytes"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Rank(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxTokenLength)
        {
            return -1;
        }

        uint hash = Hash(bytes);
        uint tag = hash >> _rankBits << _rankBits;
        int slot = (int)hash & _tableMask;
        while (true)
        {
            uint entry = _table[slot];
            if (entry == Empty)
            {
                return -1;
            }

            if ((entry & ~_rankMask) == tag)
            {
                int rank = (int)(entry & _rankMask) - 1;
                int start = _offsets[rank];
                if (_blob.AsSpan(start, _offsets[rank + 1] - start).SequenceEqual(bytes))
                {
                    return rank;
                }
            }

            slot = (slot + 1) & _tableMask;
        }
    }

    /// <summary>Whether a whole pre-token with <paramref name="bytes"/> counts as the single token it equals.</summary>
    public bool IsWholeToken(ReadOnlySpan<byte> bytes)
    {
        int rank = Rank(bytes);
        return rank >= 0 && (_wholeMatch[rank >> 6] & (1UL << rank)) != 0;
    }

    /// <summary>Reads a vocabulary in the tiktoken text format ("base64 rank" per line, or "base64" per line
    /// with the line number as rank, optionally after a "Capacity: N" line), from a raw Deflate stream when
    /// <paramref name="deflated"/> is true. Ranks must increase from line to line.</summary>
    public static TiktokenVocabulary Load(Stream stream, bool deflated)
    {
        using var input = deflated ? new DeflateStream(stream, CompressionMode.Decompress, leaveOpen: true) : null;
        var reader = new LineParser();
        byte[] chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int filled = 0;
            while (true)
            {
                int read = (input ?? stream).Read(chunk, filled, chunk.Length - filled);
                filled += read;
                int consumed = 0;
                while (true)
                {
                    int newline = chunk.AsSpan(consumed, filled - consumed).IndexOf((byte)'\n');
                    if (newline < 0)
                    {
                        break;
                    }

                    reader.Line(chunk.AsSpan(consumed, newline));
                    consumed += newline + 1;
                }

                if (read == 0)
                {
                    if (consumed < filled)
                    {
                        reader.Line(chunk.AsSpan(consumed, filled - consumed));
                    }

                    break;
                }

                chunk.AsSpan(consumed, filled - consumed).CopyTo(chunk);
                filled -= consumed;
                if (filled == chunk.Length)
                {
                    throw new InvalidDataException("A line of the tiktoken vocabulary is longer than 64 KB.");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return reader.Build();
    }

    private void Insert(ReadOnlySpan<byte> token, int rank)
    {
        uint hash = Hash(token);
        uint entry = (hash >> _rankBits << _rankBits) | (uint)(rank + 1);
        int slot = (int)hash & _tableMask;
        while (_table[slot] != Empty)
        {
            int existing = (int)(_table[slot] & _rankMask) - 1;
            if (Token(existing).SequenceEqual(token))
            {
                // The same bytes listed twice: the later line wins, as in a dictionary.
                _table[slot] = entry;
                return;
            }

            slot = (slot + 1) & _tableMask;
        }

        _table[slot] = entry;
    }

    /// <summary>Murmur3-style 32-bit hash: four bytes per round, then a final avalanche so both the low bits
    /// (slot) and the high bits (tag) are well mixed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(ReadOnlySpan<byte> bytes)
    {
        uint h = 0x9747B28Cu ^ (uint)bytes.Length;
        int i = 0;
        for (; i + 4 <= bytes.Length; i += 4)
        {
            uint k = MemoryMarshal.Read<uint>(bytes[i..]) * 0xCC9E2D51u;
            h ^= BitOperations.RotateLeft(k, 15) * 0x1B873593u;
            h = (BitOperations.RotateLeft(h, 13) * 5) + 0xE6546B64u;
        }

        uint tail = 0;
        for (int shift = 0; i < bytes.Length; i++, shift += 8)
        {
            tail |= (uint)bytes[i] << shift;
        }

        h ^= BitOperations.RotateLeft(tail * 0xCC9E2D51u, 15) * 0x1B873593u;
        h ^= h >> 16;
        h *= 0x85EBCA6Bu;
        h ^= h >> 13;
        h *= 0xC2B2AE35u;
        h ^= h >> 16;
        return h;
    }

    /// <summary>Accumulates lines into the blob and the per-rank offsets, growing both by doubling.</summary>
    private sealed class LineParser
    {
        private static ReadOnlySpan<byte> CapacityPrefix => "Capacity: "u8;

        private byte[] _blob = new byte[1 << 20];
        private int _length;
        private int[] _offsets = new int[1 << 16];
        private int _nextRank;
        private int _count;
        private bool? _explicitRanks;

        public void Line(ReadOnlySpan<byte> line)
        {
            if (line.Length > 0 && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (_explicitRanks is null)
            {
                if (line.IsEmpty)
                {
                    return;
                }

                if (line.StartsWith(CapacityPrefix))
                {
                    if (Utf8Parser.TryParse(line[CapacityPrefix.Length..], out int capacity, out _) && capacity > 0 && capacity < 10_000_000)
                    {
                        Array.Resize(ref _offsets, capacity + 2);
                    }

                    return;
                }

                _explicitRanks = line.IndexOf((byte)' ') >= 0;
            }

            if (line.IsEmpty)
            {
                // In the rank-per-line form an empty line still takes a rank.
                if (_explicitRanks == false)
                {
                    AddRank(_nextRank, []);
                }

                return;
            }

            var base64 = line;
            int rank = _nextRank;
            if (_explicitRanks == true)
            {
                int space = line.IndexOf((byte)' ');
                if (space <= 0 || !Utf8Parser.TryParse(line[(space + 1)..], out rank, out int used) || used != line.Length - space - 1)
                {
                    throw new InvalidDataException("A line of the tiktoken vocabulary is not \"base64 rank\".");
                }

                base64 = line[..space];
                if (rank < _nextRank || rank > _nextRank + 1_000_000)
                {
                    throw new InvalidDataException("The ranks of the tiktoken vocabulary do not increase line by line.");
                }
            }

            AddRank(rank, base64);
            _count++;
        }

        public TiktokenVocabulary Build()
        {
            if (_count == 0)
            {
                throw new InvalidDataException("The tiktoken vocabulary is empty.");
            }

            Array.Resize(ref _blob, _length);
            Array.Resize(ref _offsets, _nextRank + 1);
            return new TiktokenVocabulary(_blob, _offsets, _count);
        }

        private void AddRank(int rank, ReadOnlySpan<byte> base64)
        {
            if (rank + 2 > _offsets.Length)
            {
                Array.Resize(ref _offsets, Math.Max(_offsets.Length * 2, rank + 2));
            }

            // Ranks the file skips get an empty token (no entry).
            for (int skipped = _nextRank; skipped < rank; skipped++)
            {
                _offsets[skipped + 1] = _length;
            }

            int needed = Base64.GetMaxDecodedFromUtf8Length(base64.Length);
            if (_length + needed > _blob.Length)
            {
                Array.Resize(ref _blob, Math.Max(_blob.Length * 2, _length + needed));
            }

            if (Base64.DecodeFromUtf8(base64, _blob.AsSpan(_length), out _, out int written) != OperationStatus.Done)
            {
                throw new InvalidDataException("A token of the tiktoken vocabulary is not valid base64.");
            }

            _length += written;
            _offsets[rank + 1] = _length;
            _nextRank = rank + 1;
        }
    }
}
