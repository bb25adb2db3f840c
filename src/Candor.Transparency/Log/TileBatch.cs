using System.Buffers.Binary;
using Candor.Transparency.Merkle;

namespace Candor.Transparency.Log;

/// <summary>What adding a batch of entries to a published tree writes: the tiles and entry bundles it changes (full
/// ones once, partial ones at their new width), the new rightmost tile of every level, and the new partial entry
/// bundle. A pure function of the old state and the entries, so any sequencer holding the same state computes the same
/// files: the node's own <see cref="TileLog"/> writes them to disk, the platform's shared log to its database.</summary>
/// <param name="Size">The tree size after the batch.</param>
/// <param name="Edges">The partial tile of every level after the batch (empty for a level without one).</param>
/// <param name="Files">Every tile and bundle to store, as (tlog-tiles path, bytes); paths already stored hold the same bytes.</param>
/// <param name="FullTiles">The full tiles the batch completed (cached by the reader; their partials may be dropped).</param>
/// <param name="Bundle">The entries of the partial entry bundle after the batch.</param>
internal sealed record TileBatch(long Size, byte[][] Edges, List<(string Path, byte[] Data)> Files, List<(int Level, long Index, byte[] Data)> FullTiles, List<byte[]> Bundle)
{
    /// <summary>Adds <paramref name="entries"/> (leaf hash, entry bytes) to <paramref name="old"/>, whose partial entry
    /// bundle holds <paramref name="bundle"/>.</summary>
    public static TileBatch Build(LogState old, IReadOnlyList<byte[]> bundle, IReadOnlyList<(byte[] LeafHash, byte[] Data)> entries)
    {
        // Working copies of the rightmost tiles; full tiles found on the way are written below.
        var edges = new List<List<byte[]>>();
        for (int level = 0; LogState.PartialWidth(old.Size, level) > 0 || LogState.FullTiles(old.Size, level) > 0; level++)
        {
            byte[] edge = old.Edge(level);
            var hashes = new List<byte[]>(TilePaths.Width);
            for (int i = 0; i < edge.Length; i += TreeHash.Size)
            {
                hashes.Add(edge[i..(i + TreeHash.Size)]);
            }

            edges.Add(hashes);
        }

        long size = old.Size;
        var files = new List<(string Path, byte[] Data)>();
        var fullTiles = new List<(int Level, long Index, byte[] Data)>();
        var entryBundle = new List<byte[]>(bundle);
        foreach (var (leafHash, data) in entries)
        {
            AddHash(edges, 0, size, leafHash, fullTiles);
            entryBundle.Add(data);
            size++;
            if (entryBundle.Count == TilePaths.Width)
            {
                files.Add((TilePaths.Entries((size - 1) / TilePaths.Width, TilePaths.Width), EncodeBundle(entryBundle)));
                entryBundle.Clear();
            }
        }

        foreach (var (level, index, data) in fullTiles)
        {
            files.Add((TilePaths.Tile(level, index, TilePaths.Width), data));
        }

        var newEdges = new byte[edges.Count][];
        for (int level = 0; level < edges.Count; level++)
        {
            newEdges[level] = edges[level].SelectMany(static h => h).ToArray();
            int width = edges[level].Count;
            if (width > 0)
            {
                files.Add((TilePaths.Tile(level, LogState.FullTiles(size, level), width), newEdges[level]));
            }
        }

        if (entryBundle.Count > 0)
        {
            files.Add((TilePaths.Entries(size / TilePaths.Width, entryBundle.Count), EncodeBundle(entryBundle)));
        }

        return new TileBatch(size, newEdges, files, fullTiles, entryBundle);
    }

    /// <summary>The entries of an entry bundle (c2sp.org/tlog-tiles: each a 16-bit big-endian length and its bytes).</summary>
    /// <exception cref="InvalidDataException">The bundle is truncated.</exception>
    public static List<byte[]> DecodeBundle(ReadOnlySpan<byte> bundle)
    {
        var entries = new List<byte[]>();
        while (bundle.Length > 0)
        {
            if (bundle.Length < 2 || bundle.Length < 2 + BinaryPrimitives.ReadUInt16BigEndian(bundle))
            {
                throw new InvalidDataException("truncated entry bundle");
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(bundle);
            entries.Add(bundle.Slice(2, length).ToArray());
            bundle = bundle[(2 + length)..];
        }

        return entries;
    }

    private static void AddHash(List<List<byte[]>> edges, int level, long sizeBefore, byte[] hash, List<(int, long, byte[])> fullTiles)
    {
        while (edges.Count <= level)
        {
            edges.Add(new List<byte[]>(TilePaths.Width));
        }

        var edge = edges[level];
        edge.Add(hash);
        if (edge.Count < TilePaths.Width)
        {
            return;
        }

        byte[] tile = edge.SelectMany(static h => h).ToArray();
        fullTiles.Add((level, LogState.FullTiles(sizeBefore, level), tile));
        edge.Clear();
        byte[] root = new byte[TreeHash.Size];
        LogState.HashUp(tile, root);
        AddHash(edges, level + 1, sizeBefore, root, fullTiles);
    }

    private static byte[] EncodeBundle(List<byte[]> entries)
    {
        byte[] bundle = new byte[entries.Sum(static e => 2 + e.Length)];
        int at = 0;
        foreach (byte[] entry in entries)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bundle.AsSpan(at), (ushort)entry.Length);
            entry.CopyTo(bundle, at + 2);
            at += 2 + entry.Length;
        }

        return bundle;
    }
}
