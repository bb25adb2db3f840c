using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Candor.Server.Hosting;

namespace Candor.FunctionalTests.Hosting;

/// <summary><c>candor serve</c> pinned to one CPU re-executes itself (same process id) with the runtime's
/// single-CPU tiering delay multiplier at 1, and leaves a value set by the operator alone.</summary>
public sealed class OneCpuTieringTests
{
    [Fact]
    public void Decision_OnlyOnOneCpu_AndOnlyWhenUnset()
    {
        Assert.True(OneCpuTiering.ShouldReexecute(1, _ => null));
        Assert.False(OneCpuTiering.ShouldReexecute(2, _ => null));
        Assert.False(OneCpuTiering.ShouldReexecute(1, name => name == OneCpuTiering.Variable ? "10" : null));
        Assert.False(OneCpuTiering.ShouldReexecute(1, name => name == "COMPlus_TC_DelaySingleProcMultiplier" ? "4" : null));
        Assert.Null(OneCpuTiering.Describe(4, _ => null));
        Assert.Equal("one CPU: JIT tiering delay multiplier 10 (runtime default)", OneCpuTiering.Describe(1, _ => null));
    }

    [Theory]
    [InlineData(null, "1")]
    [InlineData("10", "10")]
    public async Task Serve_PinnedToOneCpu_RunsWithTheMultiplier(string? operatorValue, string expected)
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
            info.Environment.Remove(OneCpuTiering.Variable);
            info.Environment.Remove("COMPlus_TC_DelaySingleProcMultiplier");
            if (operatorValue is not null)
            {
                info.Environment[OneCpuTiering.Variable] = operatorValue;
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
                string want = $"Candor runtime: one CPU: JIT tiering delay multiplier {expected}";
                while (!lines.Contains(want))
                {
                    Assert.False(process.HasExited, $"candor exited: {string.Join(" | ", lines)}");
                    await Task.Delay(50, timeout.Token);
                }

                // Same process (execve keeps the id), and the runtime setting is in its environment.
                string environ = await File.ReadAllTextAsync($"/proc/{process.Id}/environ");
                Assert.Contains($"\0{OneCpuTiering.Variable}={expected}\0", "\0" + environ);
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
