using System.Buffers.Binary;
using Candor.Transparency.Merkle;

namespace Candor.Transparency.Log;

/// <summary>Checks every file of the tree as served, not only its right edge: every full hash tile at every level
/// against the tiles (or, at level 0, the entry bundles) below it, every entry bundle against its level-0 tile, and
/// the partial tiles and bundle of the published state against its in-memory edges. The root of the state (and so its
/// signed checkpoint) is a function of those edges and the full tiles, so a file that passes is one a verifier can
/// trust to prove what the checkpoint says.</summary>
/// <remarks>Files are read from disk, never from <see cref="TileReader"/>'s cache: the cache would hide a file
/// changed on disk. Full tiles and bundles are immutable once written, so the roots of those already checked are
/// kept in <see cref="Verified"/> and a later pass checks only the new ones (a pass over a newer state).</remarks>
internal sealed class TreeAudit(string directory)
{
    private const int MaxProblems = 32;

    /// <summary>Per level, the roots of the full tiles checked so far, in index order.</summary>
    public List<List<byte[]>> Verified { get; } = [];

    /// <summary>Checks the full tiles and bundles of a tree of <paramref name="size"/> leaves not yet checked; returns
    /// the problems found (relative resource paths first), empty when every file holds.</summary>
    public List<TreeProblem> CheckFull(long size, CancellationToken cancellationToken)
    {
        var problems = new List<TreeProblem>();
        for (int level = 0; LogState.FullTiles(size, level) > 0; level++)
        {
            while (Verified.Count <= level)
            {
                Verified.Add([]);
            }

            var roots = Verified[level];
            long full = LogState.FullTiles(size, level);
            for (long index = roots.Count; index < full && problems.Count < MaxProblems; index++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string path = TilePaths.Tile(level, index, TilePaths.Width);
                byte[]? tile = Read(path, TilePaths.Width * TreeHash.Size, problems);
                if (tile is null)
                {
                    break;
                }

                TreeProblem? problem = level == 0
                    ? CheckBundle(TilePaths.Entries(index, TilePaths.Width), tile, path) is { } mismatch ? Attribute(size, index, tile, path, mismatch) : null
                    : CheckAgainst(tile, Verified[level - 1], index * TilePaths.Width, path);
                if (problem is not null)
                {
                    problems.Add(problem.Value);
                    break;
                }

                byte[] root = new byte[TreeHash.Size];
                LogState.HashUp(tile, root);
                roots.Add(root);
            }

            if (problems.Count > 0)
            {
                break;
            }
        }

        return problems;
    }

    /// <summary>Checks the partial tiles and the partial entry bundle of <paramref name="state"/> against its edges,
    /// and its edges against the full tiles below (<see cref="CheckFull"/> must have covered its size).</summary>
    public List<TreeProblem> CheckEdges(LogState state) => CheckPartialFiles(state.Size, state, null);

    /// <summary>Checks the partial tiles and the partial entry bundle of a tree of <paramref name="size"/> leaves as
    /// stored (a monitor's download, where the files are all there is) against the full tiles below
    /// (<see cref="CheckFull"/> must have covered its size); returns the problems found and puts the partial tiles read
    /// into <paramref name="partials"/> by level.</summary>
    public List<TreeProblem> CheckPartials(long size, Dictionary<int, byte[]> partials) => CheckPartialFiles(size, null, partials);

    private List<TreeProblem> CheckPartialFiles(long size, LogState? state, Dictionary<int, byte[]>? partials)
    {
        var problems = new List<TreeProblem>();
        for (int level = 0; LogState.PartialWidth(size, level) > 0 || LogState.FullTiles(size, level) > 0; level++)
        {
            int width = LogState.PartialWidth(size, level);
            if (width == 0)
            {
                continue;
            }

            long index = LogState.FullTiles(size, level);
            string path = TilePaths.Tile(level, index, width);
            if (Read(path, width * TreeHash.Size, problems) is not { } tile)
            {
                continue;
            }

            if (state is not null && !tile.AsSpan().SequenceEqual(state.Edge(level)))
            {
                problems.Add(new(path, "differs from the tile the log signed"));
                continue;
            }

            if (partials is not null)
            {
                partials[level] = tile;
            }

            if (CheckPartial(level, index, width, tile, path) is { } found)
            {
                problems.Add(found);
            }
        }

        return problems;
    }

    private TreeProblem? CheckPartial(int level, long index, int width, byte[] tile, string path) =>
        level == 0
            ? CheckBundle(TilePaths.Entries(index, width), tile, path)
            : level - 1 < Verified.Count ? CheckAgainst(tile, Verified[level - 1], index * TilePaths.Width, path) : new TreeProblem(path, "the tiles below it were not checked");

    /// <summary>A full level-0 tile and its bundle disagree: the one edited is the tile when its hash is not its entry
    /// in the level-1 tile above (the bundle is the data, the tile derived from it), else the bundle.</summary>
    private TreeProblem Attribute(long size, long index, byte[] tile, string tilePath, TreeProblem mismatch)
    {
        long parentIndex = index / TilePaths.Width;
        int width = parentIndex < LogState.FullTiles(size, 1) ? TilePaths.Width : LogState.PartialWidth(size, 1);
        string parentPath = TilePaths.Tile(1, parentIndex, width);
        int offset = (int)(index % TilePaths.Width) * TreeHash.Size;
        byte[] parent;
        try
        {
            parent = File.ReadAllBytes(Path.Combine(directory, parentPath));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return mismatch;
        }

        Span<byte> root = stackalloc byte[TreeHash.Size];
        LogState.HashUp(tile, root);
        return parent.Length >= offset + TreeHash.Size && !root.SequenceEqual(parent.AsSpan(offset, TreeHash.Size))
            ? new TreeProblem(tilePath, $"does not hash to its entry in {parentPath}, and its entries are not those of {mismatch.Path}")
            : mismatch;
    }

    private TreeProblem? CheckBundle(string bundlePath, byte[] tile, string tilePath)
    {
        int count = tile.Length / TreeHash.Size;
        byte[] bundle;
        try
        {
            bundle = File.ReadAllBytes(Path.Combine(directory, bundlePath));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new TreeProblem(bundlePath, "missing");
        }

        Span<byte> leaf = stackalloc byte[TreeHash.Size];
        int at = 0;
        for (int i = 0; i < count; i++)
        {
            if (at + 2 > bundle.Length)
            {
                return new TreeProblem(bundlePath, $"holds fewer than {count} entries");
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(bundle.AsSpan(at));
            if (at + 2 + length > bundle.Length)
            {
                return new TreeProblem(bundlePath, $"entry {i} runs past the end of the bundle");
            }

            TreeHash.Leaf(bundle.AsSpan(at + 2, length), leaf);
            if (!leaf.SequenceEqual(tile.AsSpan(i * TreeHash.Size, TreeHash.Size)))
            {
                return new TreeProblem(bundlePath, $"entry {i} does not hash to leaf {i} of {tilePath}");
            }

            at += 2 + length;
        }

        return at == bundle.Length ? null : new TreeProblem(bundlePath, $"{bundle.Length - at} bytes after its {count} entries");
    }

    private static TreeProblem? CheckAgainst(byte[] tile, List<byte[]> below, long first, string path)
    {
        int count = tile.Length / TreeHash.Size;
        for (int i = 0; i < count; i++)
        {
            if (first + i >= below.Count)
            {
                return new TreeProblem(path, $"hash {i} covers a tile below that was not checked");
            }

            if (!below[(int)(first + i)].AsSpan().SequenceEqual(tile.AsSpan(i * TreeHash.Size, TreeHash.Size)))
            {
                return new TreeProblem(path, $"hash {i} is not the hash of the tile below it");
            }
        }

        return null;
    }

    private byte[]? Read(string relative, int length, List<TreeProblem> problems)
    {
        try
        {
            byte[] data = File.ReadAllBytes(Path.Combine(directory, relative));
            if (data.Length == length)
            {
                return data;
            }

            problems.Add(new(relative, $"{data.Length} bytes, not {length}"));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            problems.Add(new(relative, "missing"));
        }

        return null;
    }
}
