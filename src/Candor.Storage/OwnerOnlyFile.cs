namespace Candor.Storage;

/// <summary>Writes the data directory's secret files (server secret, master keys, receipt signing key): to a
/// temporary file created owner-only (0600 on Unix) and fsynced, then moved into place, so a crash never leaves
/// a short file behind.</summary>
internal static class OwnerOnlyFile
{
    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/>. Without <paramref name="overwrite"/>,
    /// a file another process put there first wins and this one is discarded, so two processes starting at once
    /// agree on one secret.</summary>
    public static void Write(string path, ReadOnlySpan<byte> content, bool overwrite)
    {
        string temporary = $"{path}.{Environment.ProcessId}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        File.Delete(temporary);
        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        try
        {
            File.Move(temporary, path, overwrite);
        }
        catch (IOException) when (!overwrite && File.Exists(path))
        {
            File.Delete(temporary);
        }
    }
}
