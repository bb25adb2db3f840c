using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Candor.Transparency.Log;
using Candor.Transparency.Merkle;
using Candor.Transparency.Notes;

namespace Candor.Transparency.Witness;

/// <summary>A transparency log witness (c2sp.org/tlog-witness): for each log it knows (origin and verifier key) it
/// keeps the latest checkpoint it cosigned, in its own state directory, and cosigns a new checkpoint only when a
/// consistency proof shows that it extends that one. A checkpoint inconsistent with the last it cosigned is refused,
/// whatever the log's signature says.</summary>
/// <remarks>Checking the old size against the stored checkpoint and storing the new one happen under one lock, so
/// two concurrent submissions cannot roll the stored state back (the race the specification describes). The stored
/// checkpoint is written durably (temporary file, fsync, rename) before the cosignature is returned.</remarks>
public sealed class CheckpointWitness : IDisposable
{
    private const string SizeType = "text/x.tlog.size";
    private const string Text = "text/plain; charset=utf-8";
    private readonly Cosigner _cosigner;
    private readonly Dictionary<string, NoteVerifier> _logs;
    private readonly string _state;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>A witness cosigning with <paramref name="cosigner"/> the checkpoints of <paramref name="logs"/>
    /// (origin → the log's verifier key), keeping its state in <paramref name="stateDirectory"/>.</summary>
    public CheckpointWitness(Cosigner cosigner, IReadOnlyDictionary<string, string> logs, string stateDirectory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(logs);
        _cosigner = cosigner;
        _logs = logs.ToDictionary(static p => p.Key, static p => NoteVerifier.Parse(p.Value), StringComparer.Ordinal);
        _state = Path.GetFullPath(stateDirectory);
        _time = time;
        Directory.CreateDirectory(_state);
    }

    /// <summary>The latest checkpoint cosigned for <paramref name="origin"/>, as submitted; null when none.</summary>
    public byte[]? Latest(string origin)
    {
        string path = StatePath(origin);
        return File.Exists(path) ? File.ReadAllBytes(path) : null;
    }

    /// <summary>Handles one <c>add-checkpoint</c> request body.</summary>
    public async Task<WitnessAnswer> AddCheckpointAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        if (!TryParseRequest(request.Span, out long oldSize, out var proof, out byte[] note, out string error))
        {
            return new(400, Text, error + "\n");
        }

        string origin = OriginOf(note);
        if (!_logs.TryGetValue(origin, out var verifier))
        {
            return new(404, Text, "unknown log origin\n");
        }

        if (!verifier.TryVerify(note, out string text, out _))
        {
            return new(403, Text, "no signature by a key this witness trusts for the origin\n");
        }

        if (!Checkpoint.TryParse(text, out var checkpoint, out error) || checkpoint!.Origin != origin)
        {
            return new(400, Text, "not a checkpoint: " + error + "\n");
        }

        if (oldSize > checkpoint.Size)
        {
            return new(400, Text, "the old size exceeds the checkpoint's size\n");
        }

        if (oldSize == 0 && proof.Count > 0)
        {
            return new(400, Text, "a consistency proof from size 0 is empty\n");
        }

        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long latestSize = 0;
            byte[]? latestRoot = null;
            if (Latest(origin) is { } stored && verifier.TryVerify(stored, out string storedText, out _) && Checkpoint.TryParse(storedText, out var last, out _))
            {
                (latestSize, latestRoot) = (last!.Size, last.Root);
            }

            if (oldSize != latestSize)
            {
                return new(409, SizeType, latestSize.ToString(CultureInfo.InvariantCulture) + "\n");
            }

            if (oldSize == checkpoint.Size)
            {
                if (latestRoot is not null && !latestRoot.AsSpan().SequenceEqual(checkpoint.Root))
                {
                    return new(409, SizeType, latestSize.ToString(CultureInfo.InvariantCulture) + "\n");
                }
            }
            else if (oldSize > 0 && !MerkleProofs.VerifyConsistency(oldSize, checkpoint.Size, latestRoot!, checkpoint.Root, proof))
            {
                return new(422, Text, "the consistency proof does not verify\n");
            }

            DurableFiles.Write(StatePath(origin), note);
            long now = _time.GetUtcNow().ToUnixTimeSeconds();
            return new(200, Text, _cosigner.Cosign(text, now));
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _cosigner.Dispose();
        _lock.Dispose();
    }

    private string StatePath(string origin) =>
        Path.Combine(_state, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(origin)))[..32] + ".checkpoint");

    private static string OriginOf(byte[] note)
    {
        int end = Array.IndexOf(note, (byte)'\n');
        return end <= 0 ? "" : Encoding.UTF8.GetString(note, 0, end);
    }

    /// <summary>Parses <c>old N\n</c>, up to 63 base64 proof lines, an empty line, then the checkpoint note.</summary>
    private static bool TryParseRequest(ReadOnlySpan<byte> request, out long oldSize, out List<byte[]> proof, out byte[] note, out string error)
    {
        oldSize = 0;
        proof = [];
        note = [];
        string whole;
        try
        {
            whole = new UTF8Encoding(false, true).GetString(request);
        }
        catch (DecoderFallbackException)
        {
            error = "the request is not UTF-8";
            return false;
        }

        int at = 0;
        string? Line()
        {
            int end = whole.IndexOf('\n', at);
            if (end < 0)
            {
                return null;
            }

            string line = whole[at..end];
            at = end + 1;
            return line;
        }

        string? first = Line();
        if (first is null || !first.StartsWith("old ", StringComparison.Ordinal) || first.Length < 5
            || (first.Length > 5 && first[4] == '0') || !first[4..].All(char.IsAsciiDigit)
            || !long.TryParse(first.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out oldSize))
        {
            error = "the first line is 'old <size>' (decimal, no leading zeroes)";
            return false;
        }

        while (true)
        {
            string? line = Line();
            if (line is null)
            {
                error = "the proof lines end with an empty line, then the checkpoint";
                return false;
            }

            if (line.Length == 0)
            {
                break;
            }

            if (proof.Count == 63 || !StrictBase64.TryDecode(line, out byte[] hash) || hash.Length != TreeHash.Size)
            {
                error = "a consistency proof line is one base64 SHA-256 hash (at most 63 lines)";
                return false;
            }

            proof.Add(hash);
        }

        note = Encoding.UTF8.GetBytes(whole[at..]);
        error = note.Length > 0 ? "" : "no checkpoint after the proof lines";
        return note.Length > 0;
    }
}
