namespace Candor.Transparency.Merkle;

/// <summary>Where proofs read the tree from: the hash of any complete subtree that lies inside the tree.</summary>
public interface INodeSource
{
    /// <summary>Writes the hash of the complete subtree of height <paramref name="level"/> (2^level leaves) whose
    /// leaves start at <c>index * 2^level</c> into <paramref name="destination"/>.</summary>
    void ReadNode(int level, long index, Span<byte> destination);
}
