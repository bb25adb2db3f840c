namespace Candor.Server.Transparency;

/// <summary>The latest checkpoint with the witnesses' cosignature lines appended, as <c>/log/checkpoint</c> and
/// tlog-proofs serve it. Swapped whole; it applies only while the log's checkpoint is still that one.</summary>
internal sealed class CosignedCheckpoint
{
    private Pair? _latest;

    /// <summary>The cosigned form of <paramref name="checkpoint"/>, or the checkpoint itself when no witness cosigned it.</summary>
    public byte[] For(byte[] checkpoint) =>
        Volatile.Read(ref _latest) is { } latest && latest.Checkpoint.AsSpan().SequenceEqual(checkpoint) ? latest.Cosigned : checkpoint;

    /// <summary>Publishes the cosigned form of <paramref name="checkpoint"/>.</summary>
    public void Publish(byte[] checkpoint, byte[] cosigned) => Volatile.Write(ref _latest, new Pair(checkpoint, cosigned));

    private sealed record Pair(byte[] Checkpoint, byte[] Cosigned);
}
