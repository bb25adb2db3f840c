using System.Globalization;

namespace Candor.Transparency.Notes;

/// <summary>The body of a checkpoint (c2sp.org/tlog-checkpoint): origin line, decimal tree size, base64 root hash,
/// then optional extension lines.</summary>
/// <param name="Origin">The log's origin line.</param>
/// <param name="Size">The number of leaves.</param>
/// <param name="Root">The RFC 6962 root hash (32 bytes).</param>
public sealed record Checkpoint(string Origin, long Size, byte[] Root)
{
    /// <summary>The note text: three lines, each ending with a newline.</summary>
    public string ToText() => string.Create(CultureInfo.InvariantCulture, $"{Origin}\n{Size}\n{Convert.ToBase64String(Root)}\n");

    /// <summary>Parses a checkpoint's note text (signatures already removed and checked).</summary>
    public static bool TryParse(string text, out Checkpoint? checkpoint, out string error)
    {
        checkpoint = null;
        string[] lines = text.Split('\n');
        if (lines.Length < 4 || lines[^1].Length != 0)
        {
            error = "a checkpoint has at least three lines, each ending with a newline";
            return false;
        }

        if (lines[0].Length == 0)
        {
            error = "the checkpoint's origin line is empty";
            return false;
        }

        if (!long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out long size)
            || (lines[1].Length > 1 && lines[1][0] == '0'))
        {
            error = "the checkpoint's tree size is not a decimal number without leading zeroes";
            return false;
        }

        if (!StrictBase64.TryDecode(lines[2], out byte[] root))
        {
            error = "the checkpoint's root hash is not valid base64";
            return false;
        }

        if (root.Length != 32)
        {
            error = "the checkpoint's root hash is not 32 bytes";
            return false;
        }

        checkpoint = new Checkpoint(lines[0], size, root);
        error = "";
        return true;
    }
}
