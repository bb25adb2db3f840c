using System.Globalization;
using System.Text;

namespace Candor.Transparency.Log;

/// <summary>The c2sp.org/tlog-tiles resource paths: <c>tile/&lt;L&gt;/&lt;N&gt;[.p/&lt;W&gt;]</c> and
/// <c>tile/entries/&lt;N&gt;[.p/&lt;W&gt;]</c>, with N written in zero-padded groups of three digits, every group but the
/// last prefixed with <c>x</c> (1234067 → <c>x001/x234/067</c>). The data directory uses the same layout, so a
/// resource is served straight from its file.</summary>
public static class TilePaths
{
    /// <summary>Hashes per full tile (tile height 8).</summary>
    public const int Width = 256;

    /// <summary>The level of entry bundles in <see cref="TryParse"/>'s result.</summary>
    public const int EntriesLevel = -1;

    /// <summary>The path of a hash tile (<paramref name="width"/> = 256 for a full tile).</summary>
    public static string Tile(int level, long index, int width) =>
        Build(level.ToString(CultureInfo.InvariantCulture), index, width);

    /// <summary>The path of an entry bundle (<paramref name="width"/> = 256 for a full bundle).</summary>
    public static string Entries(long index, int width) => Build("entries", index, width);

    /// <summary>Parses a path relative to the log prefix (for example <c>tile/0/x001/234.p/7</c>) into
    /// (level or <see cref="EntriesLevel"/>, index, width). Only the canonical spelling is accepted.</summary>
    public static bool TryParse(string path, out int level, out long index, out int width)
    {
        level = 0;
        index = 0;
        width = Width;
        string[] parts = path.Split('/');
        if (parts.Length < 3 || parts[0] != "tile")
        {
            return false;
        }

        if (parts[1] == "entries")
        {
            level = EntriesLevel;
        }
        else if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out level) || level > 63
                 || parts[1] != level.ToString(CultureInfo.InvariantCulture))
        {
            return false;
        }

        int end = parts.Length;
        if (parts[^2].EndsWith(".p", StringComparison.Ordinal))
        {
            if (!int.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out width) || width is < 1 or > 255)
            {
                return false;
            }

            parts[^2] = parts[^2][..^2];
            end--;
        }

        var digits = new StringBuilder();
        for (int i = 2; i < end; i++)
        {
            string group = parts[i];
            bool last = i == end - 1;
            if (!last)
            {
                if (!group.StartsWith('x'))
                {
                    return false;
                }

                group = group[1..];
            }

            if (group.Length != 3 || !group.All(char.IsAsciiDigit))
            {
                return false;
            }

            digits.Append(group);
        }

        if (digits.Length > 18 || !long.TryParse(digits.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out index))
        {
            return false;
        }

        string canonical = level == EntriesLevel ? Entries(index, width) : Tile(level, index, width);
        return canonical == path;
    }

    private static string Build(string level, long index, int width)
    {
        string n = index.ToString(CultureInfo.InvariantCulture);
        n = n.PadLeft((n.Length + 2) / 3 * 3, '0');
        var path = new StringBuilder("tile/").Append(level);
        for (int i = 0; i < n.Length; i += 3)
        {
            path.Append('/');
            if (i + 3 < n.Length)
            {
                path.Append('x');
            }

            path.Append(n, i, 3);
        }

        if (width < Width)
        {
            path.Append(CultureInfo.InvariantCulture, $".p/{width}");
        }

        return path.ToString();
    }
}
