using System.Buffers.Binary;
using System.Net;
using Candor.Core.Audit;
using Candor.Transparency.Log;
using Candor.Transparency.Merkle;
using Candor.Transparency.Notes;
using Candor.Transparency.Witness;

namespace Candor.Transparency.Monitor;

/// <summary>Follows a tlog-tiles log from the last checkpoint it verified (kept in <c>stateFile</c>): fetches the
/// latest checkpoint, checks its signature (and a witness quorum when asked), downloads the tiles at every level and
/// the entry bundles of the new tree, and checks that each full tile hashes to its entry in the level above (level 0:
/// to the entries of its bundle), that the tiles hash to the checkpoint's root, that the first entries of the new
/// tree hash to the root verified before, and that every audit verdict among the entries is one the auditor could
/// have written (<see cref="AuditVerdictEntry"/>) — a rollback, a fork, an edited tile or bundle or a bad verdict is
/// reported. The state moves forward only when everything holds.</summary>
/// <remarks>A <b>full</b> check (the default) downloads the whole tree (about 32 bytes per entry for the tiles, plus
/// the bundles), so that an edit anywhere in what the log serves is seen. An <b>incremental</b> check keeps the roots
/// of the full tiles it verified (<see cref="MonitorHashes"/>, <c>STATE.hashes</c>) and downloads only the tiles and
/// bundles that are new since the verified checkpoint, plus the partial ones: the new checkpoint's root is computed
/// from the kept roots and the new tiles, so a fork or a rollback is still caught, but a file the log edits after
/// the monitor verified it (served bytes that no longer match the signed tree, with no new signature) is seen only by
/// a full check. New tiles that do not extend the kept roots to the signed root are diagnosed by a full check at once. Partial files deleted by the log
/// once their full file exists are read from the full file, as tlog-tiles allows.</remarks>
public sealed class LogMonitor(
    HttpClient http, Uri prefix, NoteVerifier logKey, IReadOnlyList<CosignatureVerifier> witnesses, int quorum, string stateFile, bool incremental = false)
{
    private const int MaxEntryProblems = 32;

    /// <summary>Internal verdict: the tiles hold together but do not hash to the checkpoint's root.</summary>
    private const string Unproven = "unproven";

    /// <summary>Where the roots of the verified full tiles are kept.</summary>
    public string HashesFile => stateFile + ".hashes";

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

        var kept = incremental && old is not null ? MonitorHashes.Load(HashesFile, old.Size, old.Root) : null;
        var (report, roots) = await VerifyAsync(checkpoint, old, kept, cancellationToken).ConfigureAwait(false);
        if (kept is not null && report.Verdict is Unproven or "edited")
        {
            // The new tiles do not extend the kept roots to the signed root: the whole tree tells a fork from an edit.
            (report, roots) = await VerifyAsync(checkpoint, old, null, cancellationToken).ConfigureAwait(false);
        }

        if (report.Verdict == Unproven)
        {
            report = report with { Verdict = "edited" };
        }

        if (report.Ok)
        {
            MonitorHashes.Save(HashesFile, checkpoint.Size, checkpoint.Root, roots!);
            DurableFiles.Write(Path.GetFullPath(stateFile), note);
        }

        return report;
    }

    /// <summary>Downloads what <paramref name="kept"/> (null: nothing) does not cover and checks it; returns the report
    /// and, when it holds, the roots of every full tile of the new tree.</summary>
    private async Task<(MonitorReport Report, List<List<byte[]>>? Roots)> VerifyAsync(
        Checkpoint checkpoint, Checkpoint? old, List<List<byte[]>>? kept, CancellationToken cancellationToken)
    {
        long oldSize = old?.Size ?? 0, size = checkpoint.Size;
        string mode = kept is null ? "full" : "incremental";
        string mirror = stateFile + ".download";
        if (Directory.Exists(mirror))
        {
            Directory.Delete(mirror, recursive: true);
        }

        MonitorReport Report(string verdict, IReadOnlyList<string> problems, int downloaded, long verdicts = 0) =>
            new(verdict, checkpoint.Origin, oldSize, size, problems) { Mode = mode, Downloaded = downloaded, VerdictsChecked = verdicts };

        try
        {
            var audit = new TreeAudit(mirror);
            if (kept is not null)
            {
                foreach (var level in kept)
                {
                    audit.Verified.Add([.. level]);
                }
            }

            var (missing, downloaded) = await DownloadAsync(mirror, size, audit.Verified, cancellationToken).ConfigureAwait(false);
            if (missing.Count > 0)
            {
                return (Report("unavailable", missing, downloaded), null);
            }

            var problems = audit.CheckFull(size, cancellationToken);
            var partials = new Dictionary<int, byte[]>();
            if (problems.Count == 0)
            {
                problems = audit.CheckPartials(size, partials);
            }

            if (problems.Count > 0)
            {
                return (Report("edited", [.. problems.Select(static p => p.ToString())], downloaded), null);
            }

            var tree = new VerifiedTree(audit.Verified, index => index < LogState.FullTiles(size, 0)
                ? ReadMirror(mirror, TilePaths.Tile(0, index, TilePaths.Width))
                : partials.GetValueOrDefault(0));
            try
            {
                if (!MerkleProofs.Root(tree, size).AsSpan().SequenceEqual(checkpoint.Root))
                {
                    return (Report(Unproven, [$"the tiles do not hash to the checkpoint's root{(kept is null ? "" : " (from the tiles verified before and the new ones)")}"], downloaded), null);
                }

                if (old is not null && !MerkleProofs.Root(tree, old.Size).AsSpan().SequenceEqual(old.Root))
                {
                    return (Report("fork", [$"the first {old.Size} entries do not hash to the root verified before: the log was rewritten"], downloaded), null);
                }
            }
            catch (InvalidDataException e)
            {
                return (Report("edited", [e.Message], downloaded), null);
            }

            var (bad, verdicts) = CheckEntries(mirror, size, kept is null ? 0 : LogState.FullTiles(oldSize, 0));
            return bad.Count > 0 ? (Report("bad_entry", bad, downloaded, verdicts), null) : (Report("ok", [], downloaded, verdicts), audit.Verified);
        }
        finally
        {
            if (Directory.Exists(mirror))
            {
                Directory.Delete(mirror, recursive: true);
            }
        }
    }

    /// <summary>Reads every downloaded entry bundle (from bundle <paramref name="firstBundle"/>; the tree checks have
    /// shown each well formed) and checks each entry that is a JSON document as an audit verdict.</summary>
    private static (List<string> Problems, long Verdicts) CheckEntries(string mirror, long size, long firstBundle)
    {
        var problems = new List<string>();
        long verdicts = 0;
        long full = LogState.FullTiles(size, 0);
        int width = LogState.PartialWidth(size, 0);
        for (long bundle = firstBundle; bundle <= full && problems.Count < MaxEntryProblems; bundle++)
        {
            if (bundle == full && width == 0)
            {
                break;
            }

            string path = TilePaths.Entries(bundle, bundle < full ? TilePaths.Width : width);
            byte[] data = ReadMirror(mirror, path) ?? [];
            int at = 0;
            for (int i = 0; at + 2 <= data.Length && problems.Count < MaxEntryProblems; i++)
            {
                int length = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(at));
                var entry = data.AsSpan(at + 2, length);
                at += 2 + length;
                if (!AuditVerdictEntry.IsDocument(entry))
                {
                    continue;
                }

                verdicts++;
                if (AuditVerdictEntry.Check(entry) is { } wrong)
                {
                    problems.Add($"entry {(bundle * TilePaths.Width) + i} ({path} #{i}): {wrong}");
                }
            }
        }

        return (problems, verdicts);
    }

    private static byte[]? ReadMirror(string mirror, string path)
    {
        string file = Path.Combine(mirror, path);
        return File.Exists(file) ? File.ReadAllBytes(file) : null;
    }

    /// <summary>Downloads the full tiles not in <paramref name="verified"/> (and their bundles) and the partial ones;
    /// returns what could not be fetched and how many files were.</summary>
    private async Task<(List<string> Missing, int Downloaded)> DownloadAsync(string mirror, long size, List<List<byte[]>> verified, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        int downloaded = 0;
        for (int level = 0; LogState.PartialWidth(size, level) > 0 || LogState.FullTiles(size, level) > 0; level++)
        {
            long full = LogState.FullTiles(size, level);
            int width = LogState.PartialWidth(size, level);
            for (long index = level < verified.Count ? verified[level].Count : 0; index < full; index++)
            {
                downloaded += await FetchAsync(mirror, TilePaths.Tile(level, index, TilePaths.Width), null, 0, missing, cancellationToken).ConfigureAwait(false);
                if (level == 0)
                {
                    downloaded += await FetchAsync(mirror, TilePaths.Entries(index, TilePaths.Width), null, 0, missing, cancellationToken).ConfigureAwait(false);
                }
            }

            if (width > 0)
            {
                downloaded += await FetchAsync(mirror, TilePaths.Tile(level, full, width), TilePaths.Tile(level, full, TilePaths.Width), width, missing, cancellationToken).ConfigureAwait(false);
                if (level == 0)
                {
                    downloaded += await FetchAsync(mirror, TilePaths.Entries(full, width), TilePaths.Entries(full, TilePaths.Width), -width, missing, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return (missing, downloaded);
    }

    /// <summary>Fetches one resource into the mirror; a partial one the log no longer has is cut from its full one
    /// (<paramref name="cut"/> hashes, or −entries for a bundle).</summary>
    private async Task<int> FetchAsync(string mirror, string path, string? fallback, int cut, List<string> missing, CancellationToken cancellationToken)
    {
        byte[]? data = await GetAsync(path, cancellationToken).ConfigureAwait(false);
        if (data is null && fallback is not null && await GetAsync(fallback, cancellationToken).ConfigureAwait(false) is { } whole)
        {
            data = cut > 0 ? whole[..Math.Min(whole.Length, cut * TreeHash.Size)] : FirstEntries(whole, -cut);
        }

        if (data is null)
        {
            missing.Add($"{path}: not found");
            return 0;
        }

        string file = Path.Combine(mirror, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllBytesAsync(file, data, cancellationToken).ConfigureAwait(false);
        return 1;
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
