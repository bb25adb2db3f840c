using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Candor.Server.Hosting;

namespace Candor.FunctionalTests.Hosting;

/// <summary><c>candor serve</c> pinned to one CPU re-executes itself (same process id) with the runtime's
/// single-CPU tiering delay multiplier at 1, a 2 MB gen0 budget floor and no thread-pool spinning, and leaves values set by
/// the operator alone.</summary>
public sealed class OneCpuRuntimeTests
{
    private const string Tiering = "DOTNET_TC_DelaySingleProcMultiplier";
    private const string Gen0 = "DOTNET_GCgen0size";
    private const string Spin = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit";

    [Fact]
    public void Decision_OnlyOnOneCpu_AndOnlyForWhatIsUnset()
    {
        Assert.Equal(3, OneCpuRuntime.Missing(1, _ => null).Count);
        Assert.True(OneCpuRuntime.ShouldReexecute(1, _ => null));
        Assert.False(OneCpuRuntime.ShouldReexecute(2, _ => null));
        Assert.Equal([("GCgen0size", "0x200000")], OneCpuRuntime.Missing(1, name => name is Tiering or Spin ? "10" : null));
        Assert.Equal([("TC_DelaySingleProcMultiplier", "1")], OneCpuRuntime.Missing(1, name => name is "COMPlus_GCgen0size" or "COMPlus_ThreadPool_UnfairSemaphoreSpinLimit" ? "4" : null));
        Assert.Equal([("ThreadPool_UnfairSemaphoreSpinLimit", "0")], OneCpuRuntime.Missing(1, name => name is Tiering or Gen0 ? "4" : null));
        Assert.False(OneCpuRuntime.ShouldReexecute(1, name => name is "COMPlus_TC_DelaySingleProcMultiplier" or Gen0 or Spin ? "4" : null));
        Assert.Null(OneCpuRuntime.Describe(4, _ => null, new Dictionary<string, object>()));
        Assert.Equal("one CPU: JIT tiering delay multiplier 10 (runtime default), GC gen0 budget at most 18 MB, thread-pool spin limit the runtime's default",
            OneCpuRuntime.Describe(1, _ => null, new Dictionary<string, object> { ["GCGen0MaxBudget"] = 18874368UL }));
    }

    [Theory]
    [InlineData(null, "1", null, "0x200000", "6", null, "0")]
    [InlineData("10", "10", "0x800000", "0x800000", "8", "30", "30")]
    public async Task Serve_PinnedToOneCpu_RunsWithTheSettings(
        string? operatorTiering, string expectedTiering, string? operatorGen0, string expectedGen0, string expectedBudgetMb, string? operatorSpin, string expectedSpin)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/taskset"))
        {
            return; // The re-execution is Linux-only (execve, /proc/self); elsewhere serve starts unchanged.
        }

        string dir = Directory.CreateTempSubdirectory("candor-tiering-").FullName;
        try
        {
            string config = Path.Combine(dir, "candor.yaml");
            await File.WriteAllTextAsync(config, """
                channels:
                  - { id: oa, provider: openai, base_url: http://127.0.0.1:9/v1, api_key_env: TIERING_TEST_KEY }
                models:
                  - { name: m, deployments: [{ channel: oa, model: gpt-4o-mini }] }
                keys:
                  - { name: t, key_env: TIERING_TEST_CLIENT_KEY }
                """);
            int port = FreePort();
            var info = new ProcessStartInfo("/usr/bin/taskset")
            {
                ArgumentList = { "-c", "0", "dotnet", Path.Combine(AppContext.BaseDirectory, "candor.dll"), "serve", "--config", config, "--urls", $"http://127.0.0.1:{port}", "--no-watch", "--log-level", "Warning" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.Environment["TIERING_TEST_KEY"] = "unused";
            info.Environment["TIERING_TEST_CLIENT_KEY"] = "sk-tiering-test-0123456789";
            foreach (string name in new[] { Tiering, "COMPlus_TC_DelaySingleProcMultiplier", Gen0, "COMPlus_GCgen0size", Spin, "COMPlus_ThreadPool_UnfairSemaphoreSpinLimit" })
            {
                info.Environment.Remove(name);
            }

            if (operatorTiering is not null)
            {
                info.Environment[Tiering] = operatorTiering;
            }

            if (operatorGen0 is not null)
            {
                info.Environment[Gen0] = operatorGen0;
            }

            if (operatorSpin is not null)
            {
                info.Environment[Spin] = operatorSpin;
            }

            using var process = Process.Start(info)!;
            var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                // The budget is what the runtime reports back (GC.GetConfigurationVariables), so this fails if the
                // variable stops reaching the GC.
                string want = $"Candor runtime: one CPU: JIT tiering delay multiplier {expectedTiering}, GC gen0 budget at most {expectedBudgetMb} MB, thread-pool spin limit {expectedSpin}";
                while (!lines.Contains(want))
                {
                    Assert.False(process.HasExited, $"candor exited: {string.Join(" | ", lines)}");
                    await Task.Delay(50, timeout.Token);
                }

                // Same process (execve keeps the id), and the runtime setting is in its environment.
                string environ = await File.ReadAllTextAsync($"/proc/{process.Id}/environ");
                Assert.Contains($"\0{Tiering}={expectedTiering}\0", "\0" + environ);
                Assert.Contains($"\0{Gen0}={expectedGen0}\0", "\0" + environ);
                Assert.Contains($"\0{Spin}={expectedSpin}\0", "\0" + environ);
                // The re-executed runtime's diagnostics server listens (dotnet-counters, dotnet-trace, dotnet-dump
                // connect here); the first runtime's socket file would otherwise block it.
                // The file name's middle part is the process's start time (field 22 of /proc/<pid>/stat): a stale socket
                // of an earlier process that had the same id (killed, its file left in /tmp) has another.
                string stat = await File.ReadAllTextAsync($"/proc/{process.Id}/stat");
                string startTime = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
                string socketPath = Assert.Single(Directory.GetFiles(Path.GetTempPath(), $"dotnet-diagnostic-{process.Id}-{startTime}-socket"));
                using (var diagnostics = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
                {
                    await diagnostics.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), timeout.Token);
                }

                using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
                using var health = await client.GetAsync("/healthz", timeout.Token);
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            }
            finally
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
