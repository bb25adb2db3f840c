namespace Candor.Storage;

/// <summary>Finds and creates Candor's data directory: the configured path, else <c>CANDOR_DATA</c>, else
/// <c>./data</c>. The directory is created owner-only on Unix, since it holds the server secret.</summary>
public static class DataDirectory
{
    /// <summary>The environment variable naming the data directory.</summary>
    public const string EnvironmentVariable = "CANDOR_DATA";

    /// <summary>The directory to use, in order of precedence: <paramref name="configured"/>, <c>CANDOR_DATA</c>, <c>./data</c>.</summary>
    public static string Resolve(string? configured)
    {
        string? path = !string.IsNullOrWhiteSpace(configured) ? configured : Environment.GetEnvironmentVariable(EnvironmentVariable);
        return Path.GetFullPath(string.IsNullOrWhiteSpace(path) ? "data" : path);
    }

    /// <summary>Creates the directory when it is missing (mode 0700 on Unix) and returns its full path.</summary>
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
                Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        return full;
    }
}
