namespace Candor.Transparency.Log;

/// <summary>Where a published state reads full tiles (immutable once written): the log directory
/// (<see cref="TileReader"/>) or the database of the platform's shared log.</summary>
internal interface IFullTiles
{
    /// <summary>The full tile at (<paramref name="level"/>, <paramref name="index"/>).</summary>
    /// <exception cref="InvalidDataException">The tile is missing or has the wrong length.</exception>
    byte[] ReadFull(int level, long index);
}
