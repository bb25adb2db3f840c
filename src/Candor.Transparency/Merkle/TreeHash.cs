using System.Buffers;
using System.Security.Cryptography;

namespace Candor.Transparency.Merkle;

/// <summary>RFC 6962 (section 2.1) hashing with SHA-256: a leaf is <c>SHA-256(0x00 || entry)</c>, an interior node
/// <c>SHA-256(0x01 || left || right)</c>, and the empty tree <c>SHA-256("")</c>.</summary>
public static class TreeHash
{
    /// <summary>The length of every hash in the tree.</summary>
    public const int Size = 32;

    /// <summary>The root of the empty tree.</summary>
    public static ReadOnlySpan<byte> EmptyRoot =>
    [
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
        0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
    ];

    /// <summary>Writes the leaf hash of <paramref name="entry"/> into <paramref name="destination"/>.</summary>
    public static void Leaf(ReadOnlySpan<byte> entry, Span<byte> destination)
    {
        byte[]? rented = null;
        Span<byte> buffer = entry.Length < 512 ? stackalloc byte[entry.Length + 1] : (rented = ArrayPool<byte>.Shared.Rent(entry.Length + 1));
        buffer[0] = 0x00;
        entry.CopyTo(buffer[1..]);
        SHA256.HashData(buffer[..(entry.Length + 1)], destination);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The leaf hash of <paramref name="entry"/>.</summary>
    public static byte[] Leaf(ReadOnlySpan<byte> entry)
    {
        byte[] hash = new byte[Size];
        Leaf(entry, hash);
        return hash;
    }

    /// <summary>Writes the hash of the interior node over <paramref name="left"/> and <paramref name="right"/>
    /// into <paramref name="destination"/> (which may alias either input).</summary>
    public static void Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        Span<byte> buffer = stackalloc byte[1 + (2 * Size)];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + Size)..]);
        SHA256.HashData(buffer, destination);
    }

    /// <summary>The largest power of two strictly smaller than <paramref name="n"/> (n &gt; 1): RFC 6962's split.</summary>
    public static long Split(long n) => 1L << (63 - (int)long.LeadingZeroCount(n - 1));
}
