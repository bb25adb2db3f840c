using System.Text;
using Candor.Transparency.Log;
using Candor.Transparency.Merkle;

namespace Candor.UnitTests.Transparency.Log;

/// <summary>A log state takes over the nodes its predecessor hashed up from partial tiles: its root must be the root a
/// state computed from scratch gives, across tile boundaries, and a predecessor whose tiles differ gives it nothing.</summary>
public sealed class LogStateTests
{
    private sealed class Tiles : IFullTiles
    {
        private readonly Dictionary<(int, long), byte[]> _full = [];

        public void Add(IEnumerable<(int Level, long Index, byte[] Data)> tiles)
        {
            foreach (var (level, index, data) in tiles)
            {
                _full[(level, index)] = data;
            }
        }

        public byte[] ReadFull(int level, long index) => _full[(level, index)];
    }

    private static (byte[] LeafHash, byte[] Data) Entry(string prefix, long i)
    {
        byte[] data = Encoding.ASCII.GetBytes($"{prefix}-{i}");
        return (TreeHash.Leaf(data), data);
    }

    [Fact]
    public void StatesThatTakeOverNodes_HaveTheRootsOfStatesComputedFromScratch_AcrossTileBoundaries()
    {
        var tiles = new Tiles();
        var reference = new MemoryTree();
        var state = new LogState(0, [], tiles);
        var bundle = new List<byte[]>();
        var random = new Random(18);
        long next = 0;
        bool carried = false;
        while (next < 1_300)
        {
            var batch = Enumerable.Range(0, random.Next(1, 40)).Select(_ => Entry("e", next++)).ToList();
            foreach (var (_, data) in batch)
            {
                reference.Append(data);
            }

            var built = TileBatch.Build(state, bundle, batch);
            tiles.Add(built.FullTiles);
            bundle = built.Bundle;
            var scratch = new LogState(built.Size, built.Edges, tiles);
            var followed = new LogState(built.Size, built.Edges, tiles, state);
            carried |= followed.EdgeNodeCount > scratch.EdgeNodeCount;
            Assert.Equal(scratch.Root, followed.Root);
            Assert.Equal(MerkleProofs.Root(reference, reference.Size), followed.Root);
            state = followed;
        }

        Assert.True(carried);
    }

    [Fact]
    public void APredecessorWithOtherLeaves_GivesNoNode()
    {
        var tiles = new Tiles();
        var empty = new LogState(0, [], tiles);
        var ours = TileBatch.Build(empty, [], Enumerable.Range(0, 100).Select(i => Entry("ours", i)).ToList());
        var theirs = TileBatch.Build(empty, [], Enumerable.Range(0, 100).Select(i => Entry("theirs", i)).ToList());
        var forked = new LogState(theirs.Size, theirs.Edges, tiles);
        Assert.True(forked.EdgeNodeCount > 0);

        var grown = TileBatch.Build(new LogState(ours.Size, ours.Edges, tiles), ours.Bundle, Enumerable.Range(100, 10).Select(i => Entry("ours", i)).ToList());
        // The same size before the append, other leaves: nothing may be taken over from the fork.
        var state = new LogState(grown.Size, grown.Edges, tiles, forked);
        Assert.Equal(new LogState(grown.Size, grown.Edges, tiles).Root, state.Root);
    }
}
