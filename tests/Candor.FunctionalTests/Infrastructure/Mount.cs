using System.Diagnostics;

namespace Candor.FunctionalTests.Infrastructure;

/// <summary>Runs mount/umount for tests that need a small filesystem of their own (a tmpfs to fill).</summary>
public static class Mount
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    /// <summary>Why a tmpfs cannot be mounted here (not root, no mount permission), or null when it can.</summary>
    public static string? WhyNot => Unavailable.Value;

    /// <summary>Runs <paramref name="program"/>; throws with its error output when it fails.</summary>
    public static void Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        string error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(30_000) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed: {error.Trim()}");
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "mounting a tmpfs needs Linux";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "mounting a tmpfs needs root (the CI runs as root)";
        }

        string dir = Directory.CreateTempSubdirectory("candor-mount-probe-").FullName;
        try
        {
            Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir);
            Run("umount", dir);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return "a tmpfs cannot be mounted here: " + e.Message;
        }
        finally
        {
            Directory.Delete(dir);
        }
    }
}

/// <summary>A fact that needs to mount a tmpfs; skipped, with the reason, where that is not possible.</summary>
public sealed class RootMountFactAttribute : FactAttribute
{
    public RootMountFactAttribute()
    {
        if (Mount.WhyNot is { } reason)
        {
            Skip = reason;
        }
    }
}
