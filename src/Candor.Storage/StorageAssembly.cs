namespace Candor.Storage;

/// <summary>Marker for the storage assembly (SQLite now, PostgreSQL later).</summary>
internal static class StorageAssembly
{
}
