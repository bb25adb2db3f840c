using System.Text.Json;
using Candor.Transparency.Merkle;
using Candor.Transparency.Notes;
using Candor.Transparency.Witness;

namespace Candor.Server.Cli;

/// <summary><c>candor verify …</c>: offline checks of what the relay publishes. Each subcommand reads files, needs
/// no server and no data directory, prints one JSON object and exits 0 when everything verifies, 1 when
/// something does not. Subcommands are looked up in <see cref="Subcommands"/>; a new check (for example
/// <c>receipt</c>) adds one entry there.</summary>
internal static class VerifyCommands
{
    /// <summary>The usage lines of the verify family, for <c>candor help</c>.</summary>
    public const string Usage = """
          candor verify checkpoint --checkpoint FILE --key VERIFIER_KEY [--origin ORIGIN] [--witnesses KEY,… [--quorum N]]
          candor verify inclusion --proof FILE.tlog-proof --key VERIFIER_KEY (--entry FILE | --leaf-hash HASH) [--origin ORIGIN]
                                  [--witnesses KEY,… [--quorum N]]
                  --witnesses: witness cosignature keys (name+id+base64(0x04 || key)); the checkpoint must carry
                  valid cosignatures by at least --quorum of them (default: all).
          candor verify consistency --old CHECKPOINT --new CHECKPOINT --proof FILE --key VERIFIER_KEY
        """;

    /// <summary>The verify subcommands by name.</summary>
    public static readonly Dictionary<string, Func<CliArgs, TextWriter, CancellationToken, Task<int>>> Subcommands = new(StringComparer.Ordinal)
    {
        ["checkpoint"] = CheckpointAsync,
        ["inclusion"] = InclusionAsync,
        ["consistency"] = ConsistencyAsync,
    };

    /// <summary>Runs <c>candor verify &lt;subcommand&gt;</c>.</summary>
    public static Task<int> RunAsync(string subcommand, CliArgs args, TextWriter output, CancellationToken cancellationToken) =>
        Subcommands.TryGetValue(subcommand, out var run)
            ? run(args, output, cancellationToken)
            : throw new ArgumentException($"unknown verify subcommand '{subcommand}' (one of: {string.Join(", ", Subcommands.Keys)})");

    /// <summary>Reads the verifier key given as <c>--key</c>: the key string itself, or <c>@FILE</c>.</summary>
    public static Task<NoteVerifier> KeyAsync(CliArgs args, CancellationToken cancellationToken) => KeyAsync(args, "--key", cancellationToken);

    /// <summary>Reads the verifier key given as <paramref name="option"/>: the key string itself, or <c>@FILE</c>.</summary>
    public static async Task<NoteVerifier> KeyAsync(CliArgs args, string option, CancellationToken cancellationToken)
    {
        string key = args.Require(option);
        if (key.StartsWith('@'))
        {
            key = await File.ReadAllTextAsync(key[1..], cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return NoteVerifier.Parse(key);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"{option}: {e.Message}", e);
        }
    }

    /// <summary>Writes the outcome as one JSON object and returns the exit code (0 verified, 1 not).</summary>
    public static async Task<int> ReportAsync(TextWriter output, string? error, Action<Utf8JsonWriter>? details = null)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteBoolean("verified", error is null);
            if (error is not null)
            {
                w.WriteString("error", error);
            }

            details?.Invoke(w);
            w.WriteEndObject();
        }

        await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray())).ConfigureAwait(false);
        return error is null ? 0 : 1;
    }

    private static async Task<int> CheckpointAsync(CliArgs args, TextWriter output, CancellationToken cancellationToken)
    {
        var verifier = await KeyAsync(args, cancellationToken).ConfigureAwait(false);
        byte[] note = await File.ReadAllBytesAsync(args.Require("--checkpoint"), cancellationToken).ConfigureAwait(false);
        if (!TryCheckpoint(verifier, note, args.Get("--origin"), out var checkpoint, out string error))
        {
            return await ReportAsync(output, error).ConfigureAwait(false);
        }

        string? witnessed = Witnessed(args, note, out int cosigned);
        return await ReportAsync(output, witnessed, w =>
        {
            WriteCheckpoint(w, checkpoint!);
            WriteCosigned(w, args, cosigned);
        }).ConfigureAwait(false);
    }

    private static async Task<int> InclusionAsync(CliArgs args, TextWriter output, CancellationToken cancellationToken)
    {
        var verifier = await KeyAsync(args, cancellationToken).ConfigureAwait(false);
        byte[] leaf = await LeafHashAsync(args, cancellationToken).ConfigureAwait(false);
        byte[] document = await File.ReadAllBytesAsync(args.Require("--proof"), cancellationToken).ConfigureAwait(false);
        var inclusion = Included(args, document, leaf, verifier);
        if (inclusion.Checkpoint is null)
        {
            return await ReportAsync(output, inclusion.Error).ConfigureAwait(false);
        }

        return await ReportAsync(output, inclusion.Error, w =>
        {
            w.WriteNumber("index", inclusion.Index);
            w.WriteBase64String("leaf_hash", leaf);
            WriteCheckpoint(w, inclusion.Checkpoint);
            WriteCosigned(w, args, inclusion.Cosigned);
        }).ConfigureAwait(false);
    }

    /// <summary>What <see cref="Included"/> found: the error (null when the leaf is included under a checkpoint signed
    /// by the log and cosigned as the policy asks), the entry's index, the checkpoint (null when it could not be
    /// read) and how many of the listed witnesses cosigned it.</summary>
    internal sealed record Inclusion(string? Error, long Index, Checkpoint? Checkpoint, int Cosigned);

    /// <summary>Checks a c2sp.org/tlog-proof document for <paramref name="leaf"/>: the checkpoint signed by
    /// <paramref name="verifier"/> (origin <c>--origin</c> when given), the inclusion proof, and the witness policy of
    /// <c>--witnesses … --quorum N</c> on the checkpoint the proof is against.</summary>
    internal static Inclusion Included(CliArgs args, byte[] document, byte[] leaf, NoteVerifier verifier)
    {
        if (!TlogProof.TryParse(document, out var proof, out string error))
        {
            return new(error, 0, null, 0);
        }

        if (!TryCheckpoint(verifier, proof!.SignedCheckpoint, args.Get("--origin"), out var checkpoint, out error))
        {
            return new(error, proof.Index, null, 0);
        }

        string? wrong = MerkleProofs.VerifyInclusion(leaf, proof.Index, checkpoint!.Size, proof.Proof, checkpoint.Root)
            ? null
            : $"the inclusion proof does not place this leaf at index {proof.Index} under the checkpoint's root";
        string? witnessed = Witnessed(args, proof.SignedCheckpoint, out int cosigned);
        return new(wrong ?? witnessed, proof.Index, checkpoint, cosigned);
    }

    private static async Task<int> ConsistencyAsync(CliArgs args, TextWriter output, CancellationToken cancellationToken)
    {
        var verifier = await KeyAsync(args, cancellationToken).ConfigureAwait(false);
        byte[] oldNote = await File.ReadAllBytesAsync(args.Require("--old"), cancellationToken).ConfigureAwait(false);
        byte[] newNote = await File.ReadAllBytesAsync(args.Require("--new"), cancellationToken).ConfigureAwait(false);
        var proof = ParseHashes(await File.ReadAllTextAsync(args.Require("--proof"), cancellationToken).ConfigureAwait(false));
        if (!TryCheckpoint(verifier, oldNote, null, out var older, out string error)
            || !TryCheckpoint(verifier, newNote, older!.Origin, out var newer, out error))
        {
            return await ReportAsync(output, error).ConfigureAwait(false);
        }

        error = MerkleProofs.VerifyConsistency(older.Size, newer!.Size, older.Root, newer.Root, proof)
            ? null!
            : $"the proof does not show the tree of size {older.Size} to be a prefix of the tree of size {newer.Size}";
        return await ReportAsync(output, error, w =>
        {
            w.WriteString("origin", older.Origin);
            w.WriteNumber("old_size", older.Size);
            w.WriteNumber("new_size", newer.Size);
        }).ConfigureAwait(false);
    }

    /// <summary>Verifies a signed checkpoint under <paramref name="verifier"/> (and its origin when given).</summary>
    internal static bool TryCheckpoint(NoteVerifier verifier, byte[] note, string? origin, out Checkpoint? checkpoint, out string error)
    {
        checkpoint = null;
        if (!verifier.TryVerify(note, out string text, out error) || !Checkpoint.TryParse(text, out checkpoint, out error))
        {
            return false;
        }

        if (origin is not null && checkpoint!.Origin != origin)
        {
            error = $"the checkpoint's origin is '{checkpoint.Origin}', not '{origin}'";
            return false;
        }

        return true;
    }

    /// <summary>The witness policy of <c>--witnesses K1,K2,… [--quorum N]</c>: null when at least N of the listed
    /// witnesses cosigned <paramref name="note"/> (or no witnesses are asked for), else why not.</summary>
    internal static string? Witnessed(CliArgs args, byte[] note, out int cosigned)
    {
        cosigned = 0;
        var keys = args.List("--witnesses");
        if (keys.Count == 0)
        {
            return args.Get("--quorum") is null ? null : throw new ArgumentException("--quorum needs --witnesses");
        }

        var witnesses = new List<CosignatureVerifier>();
        foreach (string key in keys)
        {
            try
            {
                witnesses.Add(CosignatureVerifier.Parse(key));
            }
            catch (FormatException e)
            {
                throw new ArgumentException($"--witnesses: {e.Message}", e);
            }
        }

        int quorum = args.Int("--quorum") ?? witnesses.Count;
        if (quorum < 1 || quorum > witnesses.Count)
        {
            throw new ArgumentException($"--quorum must be between 1 and the {witnesses.Count} witnesses given");
        }

        cosigned = CosignatureVerifier.Count(note, witnesses);
        return cosigned >= quorum ? null : $"the checkpoint is cosigned by {cosigned} of the {witnesses.Count} witnesses, fewer than the {quorum} required";
    }

    private static void WriteCosigned(Utf8JsonWriter w, CliArgs args, int cosigned)
    {
        if (args.Get("--witnesses") is not null)
        {
            w.WriteNumber("cosigned", cosigned);
        }
    }

    private static void WriteCheckpoint(Utf8JsonWriter w, Checkpoint checkpoint)
    {
        w.WriteString("origin", checkpoint.Origin);
        w.WriteNumber("tree_size", checkpoint.Size);
        w.WriteBase64String("root_hash", checkpoint.Root);
    }

    private static async Task<byte[]> LeafHashAsync(CliArgs args, CancellationToken cancellationToken)
    {
        if (args.Get("--entry") is { } entryFile)
        {
            return TreeHash.Leaf(await File.ReadAllBytesAsync(entryFile, cancellationToken).ConfigureAwait(false));
        }

        string text = args.Get("--leaf-hash") ?? throw new ArgumentException("--entry or --leaf-hash is required");
        byte[]? hash = null;
        try
        {
            hash = text.Length == 64 ? Convert.FromHexString(text) : Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
        }

        return hash is { Length: TreeHash.Size } ? hash : throw new ArgumentException("--leaf-hash must be 32 bytes in hex or base64");
    }

    /// <summary>A proof file: the JSON of <c>/log/proof/consistency</c> (its <c>proof</c> array), or one base64 hash per line.</summary>
    private static List<byte[]> ParseHashes(string text)
    {
        try
        {
            if (text.TrimStart().StartsWith('{'))
            {
                using var doc = JsonDocument.Parse(text);
                return doc.RootElement.GetProperty("proof").EnumerateArray().Select(static e => e.GetBytesFromBase64()).ToList();
            }

            return text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Convert.FromBase64String).ToList();
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ArgumentException("--proof must be the JSON of /log/proof/consistency or one base64 hash per line", e);
        }
    }
}
