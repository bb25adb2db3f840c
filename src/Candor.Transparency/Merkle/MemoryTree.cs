namespace Candor.Transparency.Merkle;

/// <summary>A tree held as its leaf hashes in memory, for tests, benchmarks and small offline checks. Node hashes
/// are computed on demand.</summary>
public sealed class MemoryTree : INodeSource
{
    private readonly List<byte[]> _leaves = [];

    /// <summary>The number of leaves.</summary>
    public long Size => _leaves.Count;

    /// <summary>Appends the leaf for <paramref name="entry"/>.</summary>
    public void Append(ReadOnlySpan<byte> entry) => _leaves.Add(TreeHash.Leaf(entry));

    /// <inheritdoc />
    public void ReadNode(int level, long index, Span<byte> destination)
    {
        if (level == 0)
        {
            _leaves[(int)index].CopyTo(destination);
            return;
        }

        Span<byte> left = stackalloc byte[TreeHash.Size];
        Span<byte> right = stackalloc byte[TreeHash.Size];
        ReadNode(level - 1, index * 2, left);
        ReadNode(level - 1, (index * 2) + 1, right);
        TreeHash.Node(left, right, destination);
    }
}
