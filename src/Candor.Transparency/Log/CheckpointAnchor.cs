using Candor.Transparency.Merkle;
using Candor.Transparency.Notes;

namespace Candor.Transparency.Log;

/// <summary>The last checkpoint the log signed, kept in a file outside the log directory
/// (<see cref="TransparencyLogOptions.AnchorFile"/>): replacing, truncating or rebuilding the log directory does not
/// change it, so on open the log must still be that checkpoint's tree or an extension of it. A log behind it (wiped,
/// rolled back) or beside it (rebuilt with other entries: a fork) refuses to open rather than sign a checkpoint
/// inconsistent with one it already published.</summary>
internal static class CheckpointAnchor
{
    private const string Remedy = "Restore the log directory from a backup taken after that checkpoint; verifiers and monitors holding it would see a rolled-back or forked log. To start a new log on purpose, see docs/transparency.md, \"Starting a new log\".";

    /// <summary>Throws unless the tree of <paramref name="state"/> extends the checkpoint in <paramref name="path"/>
    /// (nothing to check when there is no such file yet).</summary>
    /// <exception cref="InvalidDataException">The log is behind, beside, or not signed by the key of, the anchored
    /// checkpoint.</exception>
    public static void Check(string path, NoteVerifier verifier, string origin, LogState state, string directory)
    {
        if (!File.Exists(path))
        {
            return;
        }

        byte[] anchored = File.ReadAllBytes(path);
        if (!verifier.TryVerify(anchored, out string text, out string error) || !Checkpoint.TryParse(text, out var last, out error))
        {
            throw new InvalidDataException($"{path} holds the last checkpoint this log signed, and the key of the log in {directory} does not verify it ({error}): the log directory or its signing key was replaced. {Remedy}");
        }

        if (last!.Origin != origin)
        {
            throw new InvalidDataException($"{path} holds the last checkpoint of the log '{last.Origin}', not of the configured '{origin}'. {Remedy}");
        }

        if (last.Size > state.Size)
        {
            throw new InvalidDataException($"The log in {directory} holds {state.Size} entries, but it already signed a checkpoint of {last.Size} (kept in {path}): the log was wiped or rolled back. {Remedy}");
        }

        if (!MerkleProofs.Root(state, last.Size).AsSpan().SequenceEqual(last.Root))
        {
            throw new InvalidDataException($"The first {last.Size} entries of the log in {directory} are not the tree it signed at that size (kept in {path}): the log was rebuilt with other entries, a fork. {Remedy}");
        }
    }
}
