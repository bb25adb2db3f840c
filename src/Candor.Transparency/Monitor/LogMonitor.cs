using System.Buffers.Binary;
using System.Net;
using Candor.Transparency.Log;
using Candor.Transparency.Merkle;
using Candor.Transparency.Notes;
using Candor.Transparency.Witness;

namespace Candor.Transparency.Monitor;

/// <summary>Follows a tlog-tiles log from the last checkpoint it verified (kept in <c>stateFile</c>): fetches the
/// latest checkpoint, checks its signature (and a witness quorum when asked), downloads every tile at every level and
/// every entry bundle of the new tree, and checks that each full tile hashes to its entry in the level above (level 0:
/// to the entries of its bundle), that the tiles hash to the checkpoint's root, and that the first entries of the new
/// tree hash to the root verified before — a rollback, a fork, or an edited interior tile or bundle is reported. The
/// state moves forward only when everything holds.</summary>
/// <remarks>Each check downloads the whole tree (about 32 bytes per entry for the tiles, plus the bundles), so that
/// an edit anywhere is seen; partial files deleted by the log once their full file exists are read from the full
/// file, as tlog-tiles allows.</remarks>
public sealed class LogMonitor(HttpClient http, Uri prefix, NoteVerifier logKey, IReadOnlyList<CosignatureVerifier> witnesses, int quorum, string stateFile)
{
    /// <summary>Checks the log once; the state file advances only when the verdict is <c>ok</c>.</summary>
    public async Task<MonitorReport> CheckAsync(CancellationToken cancellationToken)
    {
        Checkpoint? old = null;
        if (File.Exists(stateFile))
        {
            byte[] stored = await File.ReadAllBytesAsync(stateFile, cancellationToken).ConfigureAwait(false);
            if (!logKey.TryVerify(stored, out string storedText, out string storedError) || !Checkpoint.TryParse(storedText, out old, out storedError))
            {
                throw new InvalidDataException($"{stateFile} does not hold a checkpoint of this log ({storedError})");
            }
        }

        byte[]? note = await GetAsync("checkpoint", cancellationToken).ConfigureAwait(false);
        if (note is null)
        {
            return new("unavailable", old?.Origin ?? "", old?.Size ?? 0, 0, ["checkpoint: not found"]);
        }

        if (!logKey.TryVerify(note, out string text, out string error) || !Checkpoint.TryParse(text, out var checkpoint, out error))
        {
            return new("bad_checkpoint", old?.Origin ?? "", old?.Size ?? 0, 0, [$"checkpoint: {error}"]);
        }

        long oldSize = old?.Size ?? 0;
        if (old is not null && checkpoint!.Origin != old.Origin)
        {
            return new("bad_checkpoint", checkpoint.Origin, oldSize, checkpoint.Size, [$"checkpoint: origin '{checkpoint.Origin}', not '{old.Origin}'"]);
        }

        if (witnesses.Count > 0 && CosignatureVerifier.Count(note, witnesses) is var cosigned && cosigned < quorum)
        {
            return new("bad_checkpoint", checkpoint!.Origin, oldSize, checkpoint.Size, [$"checkpoint: cosigned by {cosigned} of {witnesses.Count} witnesses, fewer than {quorum}"]);
        }

        if (checkpoint!.Size < oldSize)
        {
            return new("rollback", checkpoint.Origin, oldSize, checkpoint.Size, [$"checkpoint: size {checkpoint.Size} is smaller than the verified {oldSize}"]);
        }

        string mirror = stateFile + ".tiles";
        if (Directory.Exists(mirror))
        {
            Directory.Delete(mirror, recursive: true);
        }

        try
        {
            var missing = await DownloadAsync(mirror, checkpoint.Size, cancellationToken).ConfigureAwait(false);
            if (missing.Count > 0)
            {
                return new("unavailable", checkpoint.Origin, oldSize, checkpoint.Size, missing);
            }

            var audit = new TreeAudit(mirror);
            var problems = audit.CheckFull(checkpoint.Size, cancellationToken);
            if (problems.Count > 0)
            {
                return new("edited", checkpoint.Origin, oldSize, checkpoint.Size, [.. problems.Select(static p => p.ToString())]);
            }

            LogState state;
            try
            {
                state = new LogState(checkpoint.Size, TileLog.ReadEdges(mirror, checkpoint.Size), new TileReader(mirror));
            }
            catch (Exception e) when (e is InvalidOperationException or InvalidDataException)
            {
                return new("edited", checkpoint.Origin, oldSize, checkpoint.Size, [e.Message]);
            }

            problems = audit.CheckEdges(state);
            if (problems.Count > 0)
            {
                return new("edited", checkpoint.Origin, oldSize, checkpoint.Size, [.. problems.Select(static p => p.ToString())]);
            }

            if (!state.Root.AsSpan().SequenceEqual(checkpoint.Root))
            {
                return new("edited", checkpoint.Origin, oldSize, checkpoint.Size, ["the tiles do not hash to the checkpoint's root"]);
            }

            if (old is not null && !MerkleProofs.Root(state, old.Size).AsSpan().SequenceEqual(old.Root))
            {
                return new("fork", checkpoint.Origin, oldSize, checkpoint.Size, [$"the first {old.Size} entries do not hash to the root verified before: the log was rewritten"]);
            }

            DurableFiles.Write(Path.GetFullPath(stateFile), note);
            return new("ok", checkpoint.Origin, oldSize, checkpoint.Size, []);
        }
        finally
        {
            if (Directory.Exists(mirror))
            {
                Directory.Delete(mirror, recursive: true);
            }
        }
    }

    private async Task<List<string>> DownloadAsync(string mirror, long size, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        for (int level = 0; LogState.PartialWidth(size, level) > 0 || LogState.FullTiles(size, level) > 0; level++)
        {
            long full = LogState.FullTiles(size, level);
            int width = LogState.PartialWidth(size, level);
            for (long index = 0; index < full; index++)
            {
                await FetchAsync(mirror, TilePaths.Tile(level, index, TilePaths.Width), null, 0, missing, cancellationToken).ConfigureAwait(false);
                if (level == 0)
                {
                    await FetchAsync(mirror, TilePaths.Entries(index, TilePaths.Width), null, 0, missing, cancellationToken).ConfigureAwait(false);
                }
            }

            if (width > 0)
            {
                await FetchAsync(mirror, TilePaths.Tile(level, full, width), TilePaths.Tile(level, full, TilePaths.Width), width, missing, cancellationToken).ConfigureAwait(false);
                if (level == 0)
                {
                    await FetchAsync(mirror, TilePaths.Entries(full, width), TilePaths.Entries(full, TilePaths.Width), -width, missing, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return missing;
    }

    /// <summary>Fetches one resource into the mirror; a partial one the log no longer has is cut from its full one
    /// (<paramref name="cut"/> hashes, or −entries for a bundle).</summary>
    private async Task FetchAsync(string mirror, string path, string? fallback, int cut, List<string> missing, CancellationToken cancellationToken)
    {
        byte[]? data = await GetAsync(path, cancellationToken).ConfigureAwait(false);
        if (data is null && fallback is not null && await GetAsync(fallback, cancellationToken).ConfigureAwait(false) is { } whole)
        {
            data = cut > 0 ? whole[..Math.Min(whole.Length, cut * TreeHash.Size)] : FirstEntries(whole, -cut);
        }

        if (data is null)
        {
            missing.Add($"{path}: not found");
            return;
        }

        string file = Path.Combine(mirror, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllBytesAsync(file, data, cancellationToken).ConfigureAwait(false);
    }

    private static byte[] FirstEntries(byte[] bundle, int count)
    {
        int at = 0;
        for (int i = 0; i < count && at + 2 <= bundle.Length; i++)
        {
            at += 2 + BinaryPrimitives.ReadUInt16BigEndian(bundle.AsSpan(at));
        }

        return bundle[..Math.Min(at, bundle.Length)];
    }

    private async Task<byte[]?> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(prefix, path), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }
}
