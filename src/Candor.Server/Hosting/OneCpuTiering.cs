using System.Runtime.InteropServices;

namespace Candor.Server.Hosting;

/// <summary>On one CPU (a pinned process, a one-core container) .NET multiplies its tiered-compilation delay by
/// ten (<c>TC_DelaySingleProcMultiplier</c>): a method is promoted to optimized code only after a full second in
/// which no other method ran for the first time, and a loaded server keeps running unoptimized code for about a
/// minute (measured: 0.5 ms of CPU per request for the first 50 s, 0.19 ms after; docs/benchmarks.md). The runtime
/// reads that setting from the environment only, once, at start; so <c>candor serve</c> on one CPU re-executes
/// itself once (execve: same process id, same arguments, same environment plus the setting at 1), which gives
/// the ordinary 100 ms delay of a multi-core machine. Setting the variable yourself (to any value) keeps it.</summary>
internal static partial class OneCpuTiering
{
    /// <summary>The runtime's knob (the <c>DOTNET_</c> prefix; <c>COMPlus_</c> is the legacy one).</summary>
    public const string Variable = "DOTNET_TC_DelaySingleProcMultiplier";

    private const string LegacyVariable = "COMPlus_TC_DelaySingleProcMultiplier";

    /// <summary>True when this process should re-execute itself with <see cref="Variable"/> set.</summary>
    public static bool ShouldReexecute(int processorCount, Func<string, string?> environment) =>
        processorCount == 1 && environment(Variable) is null && environment(LegacyVariable) is null;

    /// <summary>What the server says about it at start (null on more than one CPU).</summary>
    public static string? Describe(int processorCount, Func<string, string?> environment) =>
        processorCount != 1 ? null
        : $"one CPU: JIT tiering delay multiplier {environment(Variable) ?? environment(LegacyVariable) ?? "10 (runtime default)"}";

    /// <summary>Re-executes the process with <see cref="Variable"/>=1 when <see cref="ShouldReexecute"/> says so
    /// (Linux only; elsewhere, or when /proc is unreadable, it returns and the server starts as it is). Returns
    /// only when nothing was done or execve failed.</summary>
    public static void ReexecuteIfNeeded()
    {
        if (!OperatingSystem.IsLinux() || !ShouldReexecute(Environment.ProcessorCount, Environment.GetEnvironmentVariable))
        {
            return;
        }

        string[] argv;
        try
        {
            // The exact argv this process was started with (the host, the dll, the arguments), NUL-separated.
            argv = File.ReadAllText("/proc/self/cmdline").TrimEnd('\0').Split('\0');
        }
        catch (IOException)
        {
            return;
        }
        catch (UnauthorizedAccessException)
        {
            return;
        }

        var environment = new List<string>();
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            environment.Add($"{e.Key}={e.Value}");
        }

        environment.Add($"{Variable}=1");
        var args = Utf8Array(argv);
        var envp = Utf8Array(environment);
        try
        {
            Execve("/proc/self/exe", args, envp);
        }
        finally
        {
            // Reached only when execve failed: the server starts with the runtime's defaults.
            Free(args);
            Free(envp);
        }
    }

    private static nint[] Utf8Array(IReadOnlyList<string> values)
    {
        var array = new nint[values.Count + 1];
        for (int i = 0; i < values.Count; i++)
        {
            array[i] = Marshal.StringToCoTaskMemUTF8(values[i]);
        }

        return array;
    }

    private static void Free(nint[] array)
    {
        foreach (nint p in array)
        {
            Marshal.FreeCoTaskMem(p);
        }
    }

    [LibraryImport("libc", EntryPoint = "execve", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Execve(string path, nint[] argv, nint[] envp);
}
