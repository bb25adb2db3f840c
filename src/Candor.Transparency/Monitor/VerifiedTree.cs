using Candor.Transparency.Log;
using Candor.Transparency.Merkle;

namespace Candor.Transparency.Monitor;

/// <summary>The tree a monitor has checked, as a node source: a node of height 8 or more is the hash of consecutive
/// roots of full tiles one tile level down (kept in <paramref name="roots"/>, so tiles verified in an earlier check need
/// not be downloaded again), a lower node is read from the level-0 tile that holds it (<paramref name="leafTile"/>: the
/// full or partial tile downloaded in this check).</summary>
internal sealed class VerifiedTree(IReadOnlyList<List<byte[]>> roots, Func<long, byte[]?> leafTile) : INodeSource
{
    /// <inheritdoc />
    public void ReadNode(int level, long index, Span<byte> destination)
    {
        int tileLevel = level / 8, height = level % 8;
        long first = index << height;
        int count = 1 << height;
        if (tileLevel > 0)
        {
            var below = tileLevel - 1 < roots.Count ? roots[tileLevel - 1] : [];
            if (first + count > below.Count)
            {
                throw new InvalidDataException($"node ({level}, {index}) covers tiles that were not checked");
            }

            Span<byte> hashes = stackalloc byte[count * TreeHash.Size];
            for (int i = 0; i < count; i++)
            {
                below[(int)(first + i)].CopyTo(hashes[(i * TreeHash.Size)..]);
            }

            LogState.HashUp(hashes, destination);
            return;
        }

        long tileIndex = first / TilePaths.Width;
        int offset = (int)(first % TilePaths.Width);
        byte[] tile = leafTile(tileIndex) ?? throw new InvalidDataException($"level-0 tile {tileIndex} was not downloaded");
        if (tile.Length < (offset + count) * TreeHash.Size)
        {
            throw new InvalidDataException($"node ({level}, {index}) lies beyond level-0 tile {tileIndex}");
        }

        LogState.HashUp(tile.AsSpan(offset * TreeHash.Size, count * TreeHash.Size), destination);
    }
}
