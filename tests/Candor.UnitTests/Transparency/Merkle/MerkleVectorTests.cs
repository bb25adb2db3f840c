using Candor.Transparency.Merkle;

namespace Candor.UnitTests.Transparency.Merkle;

/// <summary>The RFC 6962 reference tree (the eight leaves of the Certificate Transparency test suite, as used by
/// transparency-dev/merkle): roots for every size, and published inclusion and consistency proofs.</summary>
public sealed class MerkleVectorTests
{
    private static readonly string[] Leaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];

    private static readonly string[] Roots =
    [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    public static TheoryData<long, long, string[]> InclusionVectors => new()
    {
        { 0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
    };

    public static TheoryData<long, long, string[]> ConsistencyVectors => new()
    {
        { 2, 8, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
    };

    private static MemoryTree Reference()
    {
        var tree = new MemoryTree();
        foreach (string leaf in Leaves)
        {
            tree.Append(Convert.FromHexString(leaf));
        }

        return tree;
    }

    [Fact]
    public void Roots_MatchTheReferenceForEverySize()
    {
        var tree = Reference();
        for (int size = 0; size <= 8; size++)
        {
            Assert.Equal(Roots[size], Convert.ToHexStringLower(MerkleProofs.Root(tree, size)));
        }
    }

    [Theory]
    [MemberData(nameof(InclusionVectors))]
    public void InclusionProof_MatchesAndVerifies(long index, long size, string[] expected)
    {
        var proof = MerkleProofs.Inclusion(Reference(), index, size);
        Assert.Equal(expected, proof.Select(Convert.ToHexStringLower));
        byte[] leaf = TreeHash.Leaf(Convert.FromHexString(Leaves[index]));
        Assert.True(MerkleProofs.VerifyInclusion(leaf, index, size, proof, Convert.FromHexString(Roots[size])));
        Assert.False(MerkleProofs.VerifyInclusion(leaf, index + 1, size, proof, Convert.FromHexString(Roots[size])));
    }

    [Theory]
    [MemberData(nameof(ConsistencyVectors))]
    public void ConsistencyProof_MatchesAndVerifies(long oldSize, long newSize, string[] expected)
    {
        var proof = MerkleProofs.Consistency(Reference(), oldSize, newSize);
        Assert.Equal(expected, proof.Select(Convert.ToHexStringLower));
        Assert.True(MerkleProofs.VerifyConsistency(oldSize, newSize, Convert.FromHexString(Roots[oldSize]), Convert.FromHexString(Roots[newSize]), proof));
        Assert.False(MerkleProofs.VerifyConsistency(oldSize, newSize, Convert.FromHexString(Roots[oldSize - 1]), Convert.FromHexString(Roots[newSize]), proof));
    }

    [Fact]
    public void EveryProofInTreesUpTo70Leaves_VerifiesAndAnyFlippedByteFails()
    {
        var tree = new MemoryTree();
        for (int i = 0; i < 70; i++)
        {
            tree.Append([(byte)i, (byte)(i * 7)]);
        }

        for (long size = 1; size <= 70; size++)
        {
            byte[] root = MerkleProofs.Root(tree, size);
            for (long index = 0; index < size; index++)
            {
                byte[] leaf = new byte[32];
                tree.ReadNode(0, index, leaf);
                var proof = MerkleProofs.Inclusion(tree, index, size);
                Assert.True(MerkleProofs.VerifyInclusion(leaf, index, size, proof, root));
                if (proof.Count > 0)
                {
                    var bad = proof.Select(static p => (byte[])p.Clone()).ToList();
                    bad[^1][(int)(index % 32)] ^= 1;
                    Assert.False(MerkleProofs.VerifyInclusion(leaf, index, size, bad, root));
                    Assert.False(MerkleProofs.VerifyInclusion(leaf, index, size, proof.Take(proof.Count - 1).ToList(), root));
                }
            }

            for (long old = 1; old < size; old++)
            {
                var proof = MerkleProofs.Consistency(tree, old, size);
                byte[] oldRoot = MerkleProofs.Root(tree, old);
                Assert.True(MerkleProofs.VerifyConsistency(old, size, oldRoot, root, proof));
                var bad = proof.Select(static p => (byte[])p.Clone()).ToList();
                bad[0][3] ^= 0x80;
                Assert.False(MerkleProofs.VerifyConsistency(old, size, oldRoot, root, bad));
            }
        }
    }
}
