using System.Runtime.InteropServices;

namespace Candor.Server.Hosting;

/// <summary>Three runtime defaults that fit a one-CPU process badly, and that the runtime reads from the environment
/// once, at start (the first two from the environment only: the same names in runtimeconfig.json are ignored; verified;
/// the third could be a runtimeconfig.json switch, but that would set it on every machine, not only on one CPU). So <c>candor serve</c> on one
/// CPU (a pinned process, a one-core container) re-executes itself once (execve: same process id, same arguments,
/// same environment plus the settings below) when either is unset. A setting the operator made (to any value, with
/// the <c>DOTNET_</c> or the legacy <c>COMPlus_</c> prefix) is kept. docs/benchmarks.md has the measurements.
/// <list type="bullet">
/// <item><c>TC_DelaySingleProcMultiplier=1</c>: on one CPU .NET multiplies its tiered-compilation delay by ten, so a
/// method is promoted to optimized code only after a full second in which no other method ran for the first time,
/// and a loaded server keeps running unoptimized code for about a minute (0.5 ms of CPU per request for the first
/// 50 s, 0.19 ms after). At 1 it is the ordinary 100 ms delay of a multi-core machine.</item>
/// <item><c>GCgen0size=0x200000</c> (2 MB): the workstation GC that a one-CPU process gets sizes its allocation
/// budget between collections from the whole last-level cache (up to 28 MB on a 35.8 MB L3), as if the core had
/// it to itself; the heap grows by that much before each gen0 collection. With a 2 MB floor the budget adapts
/// between 2 and 6 MB: 12–19 MB less resident memory under load, with no CPU cost that could be measured.</item>
/// <item><c>ThreadPool_UnfairSemaphoreSpinLimit=0</c>: a thread-pool worker that runs out of work spins before it sleeps,
/// waiting for more; on one CPU each spin step is a <c>sched_yield</c>, and the work it waits for can only come from a
/// thread that needs that same CPU (the socket engine's, another worker's), so the spin is pure cost: 4.5–16.6 yields
/// and 5–16 context switches per request with every feature on, about 0.2 yields with the limit at 0, and 16 % less CPU
/// per request measured side by side (docs/benchmarks.md, "Thread-pool spinning on one CPU").</item>
/// </list></summary>
internal static partial class OneCpuRuntime
{
    /// <summary>The settings, as (name without prefix, value).</summary>
    public static readonly IReadOnlyList<(string Name, string Value)> Settings =
    [
        ("TC_DelaySingleProcMultiplier", "1"),
        ("GCgen0size", "0x200000"),
        ("ThreadPool_UnfairSemaphoreSpinLimit", "0"),
    ];

    /// <summary>The settings this process lacks (none on more than one CPU).</summary>
    public static IReadOnlyList<(string Name, string Value)> Missing(int processorCount, Func<string, string?> environment)
    {
        if (processorCount != 1)
        {
            return [];
        }

        var missing = new List<(string, string)>();
        foreach (var (name, value) in Settings)
        {
            if (environment("DOTNET_" + name) is null && environment("COMPlus_" + name) is null)
            {
                missing.Add((name, value));
            }
        }

        return missing;
    }

    /// <summary>True when this process should re-execute itself with the missing settings.</summary>
    public static bool ShouldReexecute(int processorCount, Func<string, string?> environment) =>
        Missing(processorCount, environment).Count > 0;

    /// <summary>What the server says about it at start (null on more than one CPU): the tiering multiplier from the
    /// environment and the GC's gen0 budget ceiling as the runtime reports it (<c>GC.GetConfigurationVariables</c>).</summary>
    public static string? Describe(int processorCount, Func<string, string?> environment, IReadOnlyDictionary<string, object> gcSettings)
    {
        if (processorCount != 1)
        {
            return null;
        }

        string multiplier = environment("DOTNET_TC_DelaySingleProcMultiplier") ?? environment("COMPlus_TC_DelaySingleProcMultiplier") ?? "10 (runtime default)";
        string budget = gcSettings.TryGetValue("GCGen0MaxBudget", out var b) && b is IConvertible c
            ? $"{c.ToInt64(System.Globalization.CultureInfo.InvariantCulture) / (1024.0 * 1024):0.#} MB"
            : "unknown";
        string spin = environment("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit") ?? environment("COMPlus_ThreadPool_UnfairSemaphoreSpinLimit") ?? "the runtime's default";
        return $"one CPU: JIT tiering delay multiplier {multiplier}, GC gen0 budget at most {budget}, thread-pool spin limit {spin}";
    }

    /// <summary>Re-executes the process with the missing <see cref="Settings"/> when <see cref="ShouldReexecute"/> says so
    /// (Linux only; elsewhere, or when /proc is unreadable, it returns and the server starts as it is). Returns
    /// only when nothing was done or execve failed.</summary>
    public static void ReexecuteIfNeeded()
    {
        var missing = Missing(Environment.ProcessorCount, Environment.GetEnvironmentVariable);
        if (!OperatingSystem.IsLinux() || missing.Count == 0)
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

        foreach (var (name, value) in missing)
        {
            environment.Add($"DOTNET_{name}={value}");
        }

        RemoveDiagnosticsSocket();
        var args = Utf8Array(argv);
        var envp = Utf8Array(environment);
        try
        {
            Execve("/proc/self/exe", args, envp);
        }
        finally
        {
            // Reached only when execve failed: the server starts with the runtime's defaults (and without its
            // diagnostics socket file, removed above; the runtime keeps listening on the unlinked socket).
            Free(args);
            Free(envp);
        }
    }

    /// <summary>The runtime's diagnostics server (dotnet-counters, dotnet-trace, dotnet-dump) listens on
    /// <c>$TMPDIR/dotnet-diagnostic-PID-STARTTIME-socket</c>. execve keeps the id and the start time, so the new runtime
    /// would find the old runtime's file in its way, fail to bind, and the process could not be diagnosed: the file
    /// goes first (the listening socket itself closes with execve).</summary>
    private static void RemoveDiagnosticsSocket()
    {
        try
        {
            foreach (string path in Directory.EnumerateFiles(Path.GetTempPath(), $"dotnet-diagnostic-{Environment.ProcessId}-*-socket"))
            {
                File.Delete(path);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
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
