using Candor.Core.Transparency;

namespace Candor.Transparency.Log;

/// <summary>A transparency log as the server publishes it (<c>/log/…</c>, <c>/.well-known/candor</c>, witnesses,
/// readiness): this node's own <see cref="TileLog"/>, or the platform's log shared by every node through the
/// database (docs/transparency.md, "One log for several nodes"). Proofs read one published state, so they always
/// agree with one checkpoint.</summary>
internal interface IPublishedLog : ITransparencyLog
{
    /// <summary>The checkpoint signer's public key as a signed-note verifier key string (<c>name+id+base64</c>).</summary>
    string VerifierKey { get; }

    /// <summary>The size covered by the latest published checkpoint.</summary>
    long Size { get; }

    /// <summary>The latest signed checkpoint, as served.</summary>
    byte[] Checkpoint { get; }

    /// <summary>How long the oldest entry not yet covered by a checkpoint has waited (zero when none waits).</summary>
    TimeSpan MergeBacklog { get; }

    /// <summary>True when the log refuses every append until a restart (its journal failed a write); readiness reports it.</summary>
    bool AppendsRefused { get; }

    /// <summary>The leaf hash at <paramref name="index"/> of the latest published tree.</summary>
    byte[] LeafHash(long index);

    /// <summary>The inclusion proof of leaf <paramref name="index"/> under the latest checkpoint, with that checkpoint.</summary>
    (List<byte[]> Proof, byte[] Checkpoint, long Size) InclusionProof(long index);

    /// <summary>The inclusion proof of leaf <paramref name="index"/> in the tree of <paramref name="size"/> leaves, with its root.</summary>
    (List<byte[]> Proof, byte[] Root) InclusionProof(long index, long size);

    /// <summary>The consistency proof between the trees of <paramref name="oldSize"/> and <paramref name="newSize"/> leaves, with their roots.</summary>
    (List<byte[]> Proof, byte[] OldRoot, byte[] NewRoot) ConsistencyProof(long oldSize, long newSize);

    /// <summary>True when <paramref name="relativePath"/> (<c>tile/…</c>) is known not to hold the signed tree: it is not served.</summary>
    bool IsDamaged(string relativePath);

    /// <summary>The bytes of a tlog-tiles resource (<c>tile/…</c>), or null when there is no such tile or bundle.</summary>
    ValueTask<byte[]?> ReadResourceAsync(string relativePath, CancellationToken cancellationToken);
}
