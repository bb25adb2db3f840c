using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Candor.Core.Receipts;

/// <summary>The batch-signed receipt format (docs/receipts.md, "Batch signatures"): the receipts sealed together form an
/// RFC 9162 Merkle tree (SHA-256; leaf <c>SHA-256(0x00 || canonical receipt)</c>, node <c>SHA-256(0x01 || left || right)</c>);
/// one Ed25519 signature covers the statement <c>"candor/receipt-batch/v1" || 0x00 || uint64be(size) || root</c>, and each
/// receipt carries its index, the batch size and its inclusion path. Pure functions; the signer is
/// <see cref="ReceiptBatchSigner"/>, the check <see cref="ReceiptVerifier"/>.</summary>
internal static class ReceiptBatch
{
    /// <summary>The <c>signature.alg</c> of a batch-signed receipt (a receipt signed alone says <c>Ed25519</c>).</summary>
    public const string Algorithm = "Ed25519-batch";

    /// <summary>The length of every hash in the tree.</summary>
    public const int HashLength = 32;

    /// <summary>The statement's prefix: it starts with neither <c>{</c> (a receipt signed alone) nor is it a signed note
    /// (it holds a NUL byte), so no statement can be read as another kind of signed message.</summary>
    private static ReadOnlySpan<byte> Context => "candor/receipt-batch/v1\0"u8;

    /// <summary>The length of the signed statement.</summary>
    public static int StatementLength => Context.Length + sizeof(long) + HashLength;

    /// <summary>Writes the leaf hash of a receipt's canonical bytes into <paramref name="destination"/>.</summary>
    public static void Leaf(IncrementalHash sha256, ReadOnlySpan<byte> canonicalReceipt, Span<byte> destination)
    {
        sha256.AppendData([0x00]);
        sha256.AppendData(canonicalReceipt);
        sha256.GetHashAndReset(destination);
    }

    /// <summary>Writes the interior node over <paramref name="left"/> and <paramref name="right"/> into
    /// <paramref name="destination"/> (which may alias either).</summary>
    public static void Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        Span<byte> buffer = stackalloc byte[1 + (2 * HashLength)];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + HashLength)..]);
        SHA256.HashData(buffer, destination);
    }

    /// <summary>The tree's levels from the leaves (<paramref name="leaves"/>: <paramref name="count"/> hashes back to
    /// back) to the root: each level pairs its nodes left to right and carries a last unpaired node up unchanged,
    /// which gives the RFC 9162 tree hash for any count.</summary>
    public static byte[][] Levels(byte[] leaves, int count)
    {
        int depth = 1;
        for (int n = count; n > 1; n = (n + 1) / 2)
        {
            depth++;
        }

        var levels = new byte[depth][];
        levels[0] = leaves;
        int width = count;
        for (int l = 1; l < depth; l++)
        {
            var below = levels[l - 1];
            int next = (width + 1) / 2;
            var level = new byte[next * HashLength];
            for (int i = 0; i < width / 2; i++)
            {
                Node(below.AsSpan(2 * i * HashLength, HashLength), below.AsSpan(((2 * i) + 1) * HashLength, HashLength), level.AsSpan(i * HashLength, HashLength));
            }

            if (width % 2 == 1)
            {
                below.AsSpan((width - 1) * HashLength, HashLength).CopyTo(level.AsSpan((next - 1) * HashLength));
            }

            levels[l] = level;
            width = next;
        }

        return levels;
    }

    /// <summary>How many hashes leaf <paramref name="index"/>'s inclusion path holds: one per level where its node has a
    /// sibling (a node carried up unpaired adds none).</summary>
    public static int PathLength(byte[][] levels, int count, int index)
    {
        int length = 0;
        int width = count;
        for (int l = 0; l < levels.Length - 1; l++)
        {
            if ((index ^ 1) < width)
            {
                length++;
            }

            index >>= 1;
            width = (width + 1) / 2;
        }

        return length;
    }

    /// <summary>The <paramref name="step"/>-th hash on leaf <paramref name="index"/>'s inclusion path, counted from the
    /// leaf's sibling up (RFC 9162 order; see <see cref="PathLength"/>).</summary>
    public static ReadOnlySpan<byte> PathNode(byte[][] levels, int count, int index, int step)
    {
        int width = count;
        for (int l = 0; l < levels.Length - 1; l++)
        {
            int sibling = index ^ 1;
            if (sibling < width && step-- == 0)
            {
                return levels[l].AsSpan(sibling * HashLength, HashLength);
            }

            index >>= 1;
            width = (width + 1) / 2;
        }

        throw new ArgumentOutOfRangeException(nameof(step));
    }

    /// <summary>Writes the signed statement for a batch of <paramref name="size"/> receipts under <paramref name="root"/>.</summary>
    public static void Statement(long size, ReadOnlySpan<byte> root, Span<byte> destination)
    {
        Context.CopyTo(destination);
        BinaryPrimitives.WriteInt64BigEndian(destination[Context.Length..], size);
        root.CopyTo(destination[(Context.Length + sizeof(long))..]);
    }

    /// <summary>Computes the root from a leaf hash and its inclusion path (RFC 9162, section 2.1.3.2). False when the
    /// path does not fit the index and size (too short, too long, index outside the tree).</summary>
    public static bool TryRootFromPath(ReadOnlySpan<byte> leaf, long index, long size, IReadOnlyList<byte[]> path, Span<byte> root)
    {
        if (index < 0 || index >= size)
        {
            return false;
        }

        long fn = index;
        long sn = size - 1;
        leaf.CopyTo(root);
        foreach (var p in path)
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                Node(p, root, root);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                Node(root, p, root);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0;
    }
}
