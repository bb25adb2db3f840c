using System.Buffers.Binary;
using Candor.Transparency.Log;
using Candor.Transparency.Merkle;

namespace Candor.Transparency.Monitor;

/// <summary>The roots of the full tiles a monitor verified, per level, kept beside its checkpoint (<c>STATE.hashes</c>)
/// so that an incremental check downloads only the tiles that are new: 32 bytes per 256 entries at level 0, 1/256 of
/// that at each level above. The file names the size and root it belongs to; a file of another checkpoint (a crash
/// between the two writes, a state copied by hand) is ignored and the next check downloads the whole tree.</summary>
internal static class MonitorHashes
{
    private static readonly byte[] Magic = "candor-monitor-hashes/v1\n"u8.ToArray();

    /// <summary>The kept roots when the file belongs to the tree of <paramref name="size"/> leaves with
    /// <paramref name="root"/>, else null.</summary>
    public static List<List<byte[]>>? Load(string file, long size, ReadOnlySpan<byte> root)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        byte[] data = File.ReadAllBytes(file);
        int at = Magic.Length;
        if (data.Length < at + 8 + TreeHash.Size + 4 || !data.AsSpan(0, at).SequenceEqual(Magic)
            || BinaryPrimitives.ReadInt64BigEndian(data.AsSpan(at)) != size || !data.AsSpan(at + 8, TreeHash.Size).SequenceEqual(root))
        {
            return null;
        }

        at += 8 + TreeHash.Size;
        int levels = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(at));
        at += 4;
        var roots = new List<List<byte[]>>();
        for (int level = 0; level < levels; level++)
        {
            if (at + 8 > data.Length)
            {
                return null;
            }

            long count = BinaryPrimitives.ReadInt64BigEndian(data.AsSpan(at));
            at += 8;
            if (count != LogState.FullTiles(size, level) || at + (count * TreeHash.Size) > data.Length)
            {
                return null;
            }

            var list = new List<byte[]>((int)count);
            for (long i = 0; i < count; i++, at += TreeHash.Size)
            {
                list.Add(data.AsSpan(at, TreeHash.Size).ToArray());
            }

            roots.Add(list);
        }

        return at == data.Length ? roots : null;
    }

    /// <summary>Writes the roots of the verified tree of <paramref name="size"/> leaves durably.</summary>
    public static void Save(string file, long size, ReadOnlySpan<byte> root, IReadOnlyList<List<byte[]>> roots)
    {
        int levels = roots.Count;
        while (levels > 0 && roots[levels - 1].Count == 0)
        {
            levels--;
        }

        long length = Magic.Length + 8 + TreeHash.Size + 4;
        for (int level = 0; level < levels; level++)
        {
            length += 8 + ((long)roots[level].Count * TreeHash.Size);
        }

        byte[] data = new byte[length];
        Magic.CopyTo(data, 0);
        int at = Magic.Length;
        BinaryPrimitives.WriteInt64BigEndian(data.AsSpan(at), size);
        root.CopyTo(data.AsSpan(at + 8));
        at += 8 + TreeHash.Size;
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(at), levels);
        at += 4;
        for (int level = 0; level < levels; level++)
        {
            BinaryPrimitives.WriteInt64BigEndian(data.AsSpan(at), roots[level].Count);
            at += 8;
            foreach (byte[] hash in roots[level])
            {
                hash.CopyTo(data, at);
                at += TreeHash.Size;
            }
        }

        DurableFiles.Write(Path.GetFullPath(file), data);
    }
}
