using System.Globalization;
using System.Text;

namespace Candor.Transparency.Notes;

/// <summary>A c2sp.org/tlog-proof@v1 document: optional extra data, the entry's index, its inclusion proof and the
/// signed checkpoint verbatim.</summary>
/// <param name="Index">The entry's zero-based index.</param>
/// <param name="Proof">The inclusion proof, from the leaf's sibling to the root's child.</param>
/// <param name="SignedCheckpoint">The signed checkpoint, as the log served it.</param>
/// <param name="Extra">Unauthenticated extra data, or null.</param>
public sealed record TlogProof(long Index, IReadOnlyList<byte[]> Proof, byte[] SignedCheckpoint, byte[]? Extra = null)
{
    /// <summary>The first line of every proof.</summary>
    public const string Header = "c2sp.org/tlog-proof@v1";

    /// <summary>The document's bytes.</summary>
    public byte[] ToBytes()
    {
        var text = new StringBuilder(Header).Append('\n');
        if (Extra is not null)
        {
            text.Append("extra ").Append(Convert.ToBase64String(Extra)).Append('\n');
        }

        text.Append(CultureInfo.InvariantCulture, $"index {Index}\n");
        foreach (byte[] hash in Proof)
        {
            text.Append(Convert.ToBase64String(hash)).Append('\n');
        }

        text.Append('\n');
        byte[] head = Encoding.UTF8.GetBytes(text.ToString());
        return [.. head, .. SignedCheckpoint];
    }

    /// <summary>Parses a proof document.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out TlogProof? proof, out string error)
    {
        proof = null;
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(data);
        }
        catch (DecoderFallbackException)
        {
            error = "the proof is not valid UTF-8";
            return false;
        }

        int blank = text.IndexOf("\n\n", StringComparison.Ordinal);
        if (blank < 0)
        {
            error = "the proof has no blank line before its checkpoint";
            return false;
        }

        string[] lines = text[..blank].Split('\n');
        if (lines[0] != Header)
        {
            error = $"the proof does not start with {Header}";
            return false;
        }

        int at = 1;
        byte[]? extra = null;
        if (at < lines.Length && lines[at].StartsWith("extra ", StringComparison.Ordinal))
        {
            if (!TryBase64(lines[at][6..], out extra))
            {
                error = "the extra line is not valid base64";
                return false;
            }

            at++;
        }

        if (at >= lines.Length || !lines[at].StartsWith("index ", StringComparison.Ordinal)
            || !long.TryParse(lines[at].AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out long index)
            || (lines[at].Length > 7 && lines[at][6] == '0'))
        {
            error = "the proof has no valid 'index N' line";
            return false;
        }

        var hashes = new List<byte[]>();
        for (at++; at < lines.Length; at++)
        {
            if (!TryBase64(lines[at], out byte[]? hash) || hash!.Length != 32)
            {
                error = $"proof line {at + 1} is not a base64 SHA-256 hash";
                return false;
            }

            hashes.Add(hash);
        }

        proof = new TlogProof(index, hashes, Encoding.UTF8.GetBytes(text[(blank + 2)..]), extra);
        error = "";
        return true;
    }

    private static bool TryBase64(string s, out byte[]? bytes)
    {
        bool ok = StrictBase64.TryDecode(s, out byte[] decoded);
        bytes = decoded;
        return ok && s.Length > 0;
    }
}
