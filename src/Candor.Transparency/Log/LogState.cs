using System.Collections.Concurrent;
using Candor.Transparency.Merkle;

namespace Candor.Transparency.Log;

/// <summary>One published state of the log: a tree size, its root, the signed checkpoint, and the rightmost
/// (partial) tile of every level. Immutable; the log swaps it whole. Proofs read one state, so they always
/// agree with one checkpoint.</summary>
internal sealed class LogState : INodeSource
{
    /// <summary>More hashed-up nodes than this are not carried to the next state (a bound, not a figure reached by
    /// the root: that reads a few nodes per tile level).</summary>
    internal const int CarriedNodesLimit = 1024;

    private readonly IFullTiles _tiles;
    private readonly byte[][] _edges;

    /// <summary>Nodes this state hashed up from its partial tiles (<see cref="ReadNode"/>), by level and index.</summary>
    private readonly ConcurrentDictionary<(int Level, long Index), byte[]> _edgeNodes = new();

    /// <summary>A state of <paramref name="size"/> leaves. With <paramref name="previous"/> (the state it follows),
    /// the nodes that state hashed up from a partial tile which this state's tile at the same place still starts with,
    /// byte for byte, are taken over instead of hashed again: a node's hash depends only on the hashes under it, and an
    /// append leaves those bytes as they were. The root is otherwise recomputed from each partial tile's hashes (up to
    /// 255 SHA-256 per tile level per integration), which was most of the SHA-256 calls per receipt with the log on.</summary>
    public LogState(long size, byte[][] edges, IFullTiles tiles, LogState? previous = null)
    {
        Size = size;
        _edges = edges;
        _tiles = tiles;
        if (previous is not null && previous._edgeNodes.Count is > 0 and <= CarriedNodesLimit)
        {
            Carry(previous);
        }

        Root = MerkleProofs.Root(this, size);
    }

    /// <summary>How many nodes this state hashed up or took over (for tests).</summary>
    internal int EdgeNodeCount => _edgeNodes.Count;

    private void Carry(LogState previous)
    {
        Span<bool> same = stackalloc bool[Math.Max(_edges.Length, previous._edges.Length) + 1];
        for (int level = 0; level < same.Length; level++)
        {
            ReadOnlySpan<byte> before = previous.Edge(level);
            same[level] = before.Length > 0 && FullTiles(previous.Size, level) == FullTiles(Size, level) && Edge(level).StartsWith(before);
        }

        foreach (var (node, hash) in previous._edgeNodes)
        {
            int tileLevel = node.Level / 8;
            if (tileLevel < same.Length && same[tileLevel])
            {
                _edgeNodes.TryAdd(node, hash);
            }
        }
    }

    /// <summary>The number of leaves covered.</summary>
    public long Size { get; }

    /// <summary>The root hash for <see cref="Size"/>.</summary>
    public byte[] Root { get; }

    /// <summary>The signed checkpoint for this state (set once signed).</summary>
    public byte[] Checkpoint { get; set; } = [];

    /// <summary>The partial tile of <paramref name="level"/> (empty when that level has no partial tile).</summary>
    public byte[] Edge(int level) => level < _edges.Length ? _edges[level] : [];

    /// <summary>The number of full tiles at <paramref name="level"/> for a tree of <paramref name="size"/> leaves.</summary>
    public static long FullTiles(long size, int level) => 8 * (level + 1) >= 63 ? 0 : size >> (8 * (level + 1));

    /// <summary>The width of the partial tile of <paramref name="level"/> for a tree of <paramref name="size"/> leaves.</summary>
    public static int PartialWidth(long size, int level) => 8 * level >= 63 ? 0 : (int)((size >> (8 * level)) & 0xFF);

    /// <inheritdoc />
    public void ReadNode(int level, long index, Span<byte> destination)
    {
        int tileLevel = level / 8, height = level % 8;
        long first = index << height;
        int count = 1 << height;
        long tileIndex = first / TilePaths.Width;
        int offset = (int)(first % TilePaths.Width);
        ReadOnlySpan<byte> tile;
        if (tileIndex < FullTiles(Size, tileLevel))
        {
            tile = _tiles.ReadFull(tileLevel, tileIndex);
        }
        else
        {
            tile = Edge(tileLevel);
            if (tileIndex != FullTiles(Size, tileLevel) || tile.Length < (offset + count) * TreeHash.Size)
            {
                throw new InvalidOperationException($"node ({level}, {index}) lies outside the tree of size {Size}");
            }

            if (count > 1)
            {
                if (_edgeNodes.TryGetValue((level, index), out var known))
                {
                    known.CopyTo(destination);
                    return;
                }

                HashUp(tile.Slice(offset * TreeHash.Size, count * TreeHash.Size), destination);
                _edgeNodes.TryAdd((level, index), destination[..TreeHash.Size].ToArray());
                return;
            }
        }

        HashUp(tile.Slice(offset * TreeHash.Size, count * TreeHash.Size), destination);
    }

    /// <summary>The hash of the complete subtree whose leaves (at the tile's level) are <paramref name="hashes"/>
    /// (a power of two of them).</summary>
    public static void HashUp(ReadOnlySpan<byte> hashes, Span<byte> destination)
    {
        int count = hashes.Length / TreeHash.Size;
        if (count == 1)
        {
            hashes.CopyTo(destination);
            return;
        }

        Span<byte> work = stackalloc byte[hashes.Length];
        hashes.CopyTo(work);
        while (count > 1)
        {
            for (int i = 0; i < count / 2; i++)
            {
                TreeHash.Node(work.Slice(2 * i * TreeHash.Size, TreeHash.Size), work.Slice(((2 * i) + 1) * TreeHash.Size, TreeHash.Size), work.Slice(i * TreeHash.Size, TreeHash.Size));
            }

            count /= 2;
        }

        work[..TreeHash.Size].CopyTo(destination);
    }
}
