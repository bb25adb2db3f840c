namespace Candor.Transparency.Merkle;

/// <summary>Root hashes, inclusion proofs and consistency proofs (RFC 6962 section 2.1, RFC 9162 section 2.1) computed
/// from a <see cref="INodeSource"/>, and their verification. Proof lists run from the leaf's side to the root's.</summary>
public static class MerkleProofs
{
    /// <summary>The root hash of the first <paramref name="size"/> leaves.</summary>
    public static byte[] Root(INodeSource tree, long size)
    {
        byte[] root = new byte[TreeHash.Size];
        if (size == 0)
        {
            TreeHash.EmptyRoot.CopyTo(root);
        }
        else
        {
            RangeHash(tree, 0, size, root);
        }

        return root;
    }

    /// <summary>The inclusion proof of leaf <paramref name="index"/> in the tree of <paramref name="size"/> leaves.</summary>
    public static List<byte[]> Inclusion(INodeSource tree, long index, long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, size);
        var proof = new List<byte[]>(64 - (int)long.LeadingZeroCount(size));
        Path(tree, index, 0, size, proof);
        return proof;
    }

    /// <summary>The consistency proof between the trees of <paramref name="oldSize"/> and <paramref name="newSize"/>
    /// leaves (empty when the sizes are equal or the old tree is empty).</summary>
    public static List<byte[]> Consistency(INodeSource tree, long oldSize, long newSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(oldSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(oldSize, newSize);
        var proof = new List<byte[]>();
        if (oldSize > 0 && oldSize < newSize)
        {
            SubProof(tree, oldSize, 0, newSize, true, proof);
        }

        return proof;
    }

    /// <summary>True when <paramref name="proof"/> shows that <paramref name="leafHash"/> is leaf <paramref name="index"/>
    /// of the tree of <paramref name="size"/> leaves whose root is <paramref name="root"/> (RFC 9162 2.1.3.2).</summary>
    public static bool VerifyInclusion(ReadOnlySpan<byte> leafHash, long index, long size, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        if (index < 0 || index >= size || leafHash.Length != TreeHash.Size || root.Length != TreeHash.Size)
        {
            return false;
        }

        long fn = index, sn = size - 1;
        Span<byte> r = stackalloc byte[TreeHash.Size];
        leafHash.CopyTo(r);
        foreach (byte[] p in proof)
        {
            if (sn == 0 || p.Length != TreeHash.Size)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                TreeHash.Node(p, r, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                TreeHash.Node(r, p, r);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && r.SequenceEqual(root);
    }

    /// <summary>True when <paramref name="proof"/> shows that the tree of <paramref name="oldSize"/> leaves with root
    /// <paramref name="oldRoot"/> is a prefix of the tree of <paramref name="newSize"/> leaves with root
    /// <paramref name="newRoot"/> (RFC 9162 2.1.4.2).</summary>
    public static bool VerifyConsistency(long oldSize, long newSize, ReadOnlySpan<byte> oldRoot, ReadOnlySpan<byte> newRoot, IReadOnlyList<byte[]> proof)
    {
        if (oldSize < 0 || oldSize > newSize || oldRoot.Length != TreeHash.Size || newRoot.Length != TreeHash.Size)
        {
            return false;
        }

        if (oldSize == newSize)
        {
            return proof.Count == 0 && oldRoot.SequenceEqual(newRoot);
        }

        if (oldSize == 0)
        {
            return proof.Count == 0 && oldRoot.SequenceEqual(TreeHash.EmptyRoot);
        }

        if (proof.Count == 0 || proof.Any(static p => p.Length != TreeHash.Size))
        {
            return false;
        }

        bool powerOfTwo = (oldSize & (oldSize - 1)) == 0;
        int start = powerOfTwo ? 0 : 1;
        ReadOnlySpan<byte> first = powerOfTwo ? oldRoot : proof[0];
        long fn = oldSize - 1, sn = newSize - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        Span<byte> fr = stackalloc byte[TreeHash.Size];
        Span<byte> sr = stackalloc byte[TreeHash.Size];
        first.CopyTo(fr);
        first.CopyTo(sr);
        for (int i = start; i < proof.Count; i++)
        {
            byte[] c = proof[i];
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                TreeHash.Node(c, fr, fr);
                TreeHash.Node(c, sr, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                TreeHash.Node(sr, c, sr);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && fr.SequenceEqual(oldRoot) && sr.SequenceEqual(newRoot);
    }

    /// <summary>MTH(D[lo:hi]) for a range whose start is aligned as RFC 6962's recursion leaves it.</summary>
    private static void RangeHash(INodeSource tree, long lo, long hi, Span<byte> destination)
    {
        long n = hi - lo;
        if ((n & (n - 1)) == 0 && lo % n == 0)
        {
            int level = 63 - (int)long.LeadingZeroCount(n);
            tree.ReadNode(level, lo >> level, destination);
            return;
        }

        long k = TreeHash.Split(n);
        Span<byte> left = stackalloc byte[TreeHash.Size];
        Span<byte> right = stackalloc byte[TreeHash.Size];
        RangeHash(tree, lo, lo + k, left);
        RangeHash(tree, lo + k, hi, right);
        TreeHash.Node(left, right, destination);
    }

    private static byte[] RangeHash(INodeSource tree, long lo, long hi)
    {
        byte[] hash = new byte[TreeHash.Size];
        RangeHash(tree, lo, hi, hash);
        return hash;
    }

    private static void Path(INodeSource tree, long m, long lo, long hi, List<byte[]> proof)
    {
        long n = hi - lo;
        if (n == 1)
        {
            return;
        }

        long k = TreeHash.Split(n);
        if (m - lo < k)
        {
            Path(tree, m, lo, lo + k, proof);
            proof.Add(RangeHash(tree, lo + k, hi));
        }
        else
        {
            Path(tree, m, lo + k, hi, proof);
            proof.Add(RangeHash(tree, lo, lo + k));
        }
    }

    private static void SubProof(INodeSource tree, long m, long lo, long hi, bool complete, List<byte[]> proof)
    {
        long n = hi - lo;
        if (m == n)
        {
            if (!complete)
            {
                proof.Add(RangeHash(tree, lo, hi));
            }

            return;
        }

        long k = TreeHash.Split(n);
        if (m <= k)
        {
            SubProof(tree, m, lo, lo + k, complete, proof);
            proof.Add(RangeHash(tree, lo + k, hi));
        }
        else
        {
            SubProof(tree, m - k, lo + k, hi, false, proof);
            proof.Add(RangeHash(tree, lo, lo + k));
        }
    }
}
