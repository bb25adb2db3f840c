using System.Runtime.InteropServices;

namespace Candor.Transparency.Log;

/// <summary>Crash-safe file writes: the content goes to a temporary file that is flushed to disk, renamed over the
/// target, and the directory is flushed so that the rename itself survives a power loss.</summary>
internal static partial class DurableFiles
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> atomically and durably, creating the
    /// directories on the way. The directory is not flushed here when <paramref name="dirtyDirectories"/> is given:
    /// it is added to that set for the caller to flush once. Files are created owner-only (0600) and directories 0700,
    /// as everything in the data directory is (docs/operations.md).</summary>
    public static void Write(string path, ReadOnlySpan<byte> content, HashSet<string>? dirtyDirectories = null)
    {
        string directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            CreateDirectories(directory, dirtyDirectories);
        }

        string temporary = $"{path}.{Environment.ProcessId}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        if (dirtyDirectories is null)
        {
            SyncDirectory(directory);
        }
        else
        {
            dirtyDirectories.Add(directory);
        }
    }

    /// <summary>Flushes a directory's entries (new and renamed files) to disk. A no-op on Windows.</summary>
    public static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        int fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {directory} to flush it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"cannot flush directory {directory} (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static void CreateDirectories(string directory, HashSet<string>? dirty)
    {
        string? parent = Path.GetDirectoryName(directory);
        if (parent is not null && !Directory.Exists(parent))
        {
            CreateDirectories(parent, dirty);
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, OwnerOnly | UnixFileMode.UserExecute);
        }

        if (parent is not null)
        {
            if (dirty is null)
            {
                SyncDirectory(parent);
            }
            else
            {
                dirty.Add(parent);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
