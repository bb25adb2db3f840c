using BenchmarkDotNet.Attributes;
using Candor.Transparency.Log;
using Candor.Transparency.Merkle;

namespace Candor.Benchmarks;

/// <summary>The CPU side of a transparency-log append, one full tile (256 entries) per operation: each entry's RFC 6962
/// leaf hash into the level-0 tile, then the tile's subtree root that goes up to level 1 (what the sequencer does
/// per batch, without the file writes and fsyncs, which dominate and are measured by the load harness).</summary>
[MemoryDiagnoser]
public class MerkleBenchmarks
{
    private readonly byte[][] _entries = Enumerable.Range(0, TilePaths.Width)
        .Select(static i => System.Text.Encoding.ASCII.GetBytes($"receipt:{i:D8}:0123456789abcdef0123456789abcdef"))
        .ToArray();

    private readonly byte[] _tile = new byte[TilePaths.Width * TreeHash.Size];
    private readonly byte[] _root = new byte[TreeHash.Size];

    /// <summary>256 leaf hashes plus the tile root (divide by 256 for the cost per entry).</summary>
    [Benchmark]
    public byte MerkleAppend()
    {
        for (int i = 0; i < _entries.Length; i++)
        {
            TreeHash.Leaf(_entries[i], _tile.AsSpan(i * TreeHash.Size, TreeHash.Size));
        }

        LogState.HashUp(_tile, _root);
        return _root[0];
    }
}
