using System.Collections.Concurrent;

namespace Candor.Transparency.Log;

/// <summary>Reads full tiles (immutable once written) from the log directory, keeping recently used ones in a
/// bounded cache.</summary>
internal sealed class TileReader(string directory) : IFullTiles
{
    private const int FullTileBytes = TilePaths.Width * 32;
    private const int MaxCached = 2048;
    private readonly ConcurrentDictionary<(int Level, long Index), byte[]> _cache = new();

    /// <summary>The full tile at (<paramref name="level"/>, <paramref name="index"/>).</summary>
    /// <exception cref="InvalidDataException">The tile is missing or has the wrong length.</exception>
    public byte[] ReadFull(int level, long index)
    {
        if (_cache.TryGetValue((level, index), out byte[]? tile))
        {
            return tile;
        }

        string path = Path.Combine(directory, TilePaths.Tile(level, index, TilePaths.Width));
        try
        {
            tile = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException e)
        {
            throw new InvalidDataException($"the transparency log is missing tile {TilePaths.Tile(level, index, TilePaths.Width)}", e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new InvalidDataException($"the transparency log is missing tile {TilePaths.Tile(level, index, TilePaths.Width)}", e);
        }

        if (tile.Length != FullTileBytes)
        {
            throw new InvalidDataException($"tile {TilePaths.Tile(level, index, TilePaths.Width)} holds {tile.Length} bytes, not {FullTileBytes}");
        }

        Remember(level, index, tile);
        return tile;
    }

    /// <summary>Caches a full tile just written.</summary>
    public void Remember(int level, long index, byte[] tile)
    {
        if (_cache.Count >= MaxCached)
        {
            _cache.Clear();
        }

        _cache[(level, index)] = tile;
    }
}
