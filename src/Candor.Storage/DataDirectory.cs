namespace Candor.Storage;

/// <summary>Finds and creates Candor's data directory: the configured path, else <c>CANDOR_DATA</c>, else
/// <c>./data</c>. The directory and everything in it are kept owner-only on Unix (0700 directories, 0600 files), since
/// it holds the server secret, the master keys and the ledger.</summary>
internal static class DataDirectory
{
    /// <summary>The environment variable naming the data directory.</summary>
    public const string EnvironmentVariable = "CANDOR_DATA";

    /// <summary>The directory to use, in order of precedence: <paramref name="configured"/>, <c>CANDOR_DATA</c>, <c>./data</c>.</summary>
    public static string Resolve(string? configured)
    {
        string? path = !string.IsNullOrWhiteSpace(configured) ? configured : Environment.GetEnvironmentVariable(EnvironmentVariable);
        return Path.GetFullPath(string.IsNullOrWhiteSpace(path) ? "data" : path);
    }

    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode DirectoryMode = FileMode | UnixFileMode.UserExecute;
    private const UnixFileMode OthersBits = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Creates the directory when it is missing (mode 0700 on Unix), tightens an existing one and the files
    /// directly in it (<see cref="Tighten"/>; the whole tree is walked at server start, see <see cref="StoreBootstrap"/>)
    /// and returns its full path.</summary>
    public static string Ensure(string path)
    {
        string full = Path.GetFullPath(path);
        if (!Directory.Exists(full))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(full);
            }
            else
            {
                Directory.CreateDirectory(full, DirectoryMode);
            }
        }

        _ = Tighten(full, recursive: false);
        return full;
    }

    /// <summary>Makes the directory and everything under it owner-only (0700 directories, 0600 files; symbolic links
    /// are not followed): a directory made by an older version or by hand, and the files SQLite created with the
    /// process umask (<c>candor.db</c>, <c>-wal</c>, <c>-shm</c>), are tightened at every start. Without
    /// <paramref name="recursive"/> only the directory and its direct entries (a transparency log may hold millions of
    /// tiles). Nothing on Windows.</summary>
    public static DirectoryTightening Tighten(string directory, bool recursive = true)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(directory))
        {
            return default;
        }

        bool open = (File.GetUnixFileMode(directory) & OthersBits) != 0;
        int tightened = 0, failed = 0;
        void Set(FileSystemInfo entry, UnixFileMode mode)
        {
            UnixFileMode current = entry.UnixFileMode;
            if (current == mode)
            {
                return;
            }

            open |= (current & OthersBits) != 0;
            try
            {
                entry.UnixFileMode = mode;
                tightened++;
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                failed++;
            }
        }

        var root = new DirectoryInfo(directory);
        Set(root, DirectoryMode);
        var walk = new EnumerationOptions { RecurseSubdirectories = recursive, AttributesToSkip = 0, IgnoreInaccessible = true };
        foreach (var entry in root.EnumerateFileSystemInfos("*", walk))
        {
            if (entry.LinkTarget is null)
            {
                Set(entry, entry is DirectoryInfo ? DirectoryMode : FileMode);
            }
        }

        return new DirectoryTightening(open, tightened, failed);
    }
}
