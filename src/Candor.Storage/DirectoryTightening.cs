namespace Candor.Storage;

/// <summary>What <see cref="DataDirectory.Tighten"/> found and did.</summary>
/// <param name="WasOpen">The directory or something in it was readable, writable or searchable by group or others.</param>
/// <param name="Tightened">Entries whose mode was changed to owner-only.</param>
/// <param name="Failed">Entries whose mode could not be changed (owned by another user, read-only file system).</param>
internal readonly record struct DirectoryTightening(bool WasOpen, int Tightened, int Failed);
