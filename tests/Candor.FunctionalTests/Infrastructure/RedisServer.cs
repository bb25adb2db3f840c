using System.Diagnostics;
using System.Net.Sockets;

namespace Candor.FunctionalTests.Infrastructure;

/// <summary>A real <c>redis-server</c> on a free loopback port, nothing persisted, for the shared-limit tests; stopped and
/// started again on the same port to test an outage. .ci/run installs Redis (Debian's <c>redis-server</c>).</summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly string? _directory;
    private Process? _process;

    private RedisServer(int port, string? directory = null)
    {
        Port = port;
        _directory = directory;
    }

    /// <summary>The server binary, or null when Redis is not installed.</summary>
    public static string? Binary { get; } = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync(CancellationToken ct)
    {
        var server = new RedisServer(CandorProcess.FreePort());
        await server.StartAgainAsync(ct);
        return server;
    }

    /// <summary>A server that keeps its data in an append-only file (fsync at every write) in a temporary directory, so that
    /// a graceful stop and a start again keep every counter (<see cref="ShutdownAsync"/>).</summary>
    public static async Task<RedisServer> StartPersistentAsync(CancellationToken ct)
    {
        var server = new RedisServer(CandorProcess.FreePort(), Directory.CreateTempSubdirectory("candor-redis-").FullName);
        await server.StartAgainAsync(ct);
        return server;
    }

    /// <summary>Stops the server gracefully (SIGTERM: a persistent server writes its data first).</summary>
    public async Task ShutdownAsync()
    {
        if (_process is { HasExited: false } p)
        {
            using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await p.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Starts the server (again) on its port, with nothing from before (a persistent one: with its data).</summary>
    public async Task StartAgainAsync(CancellationToken ct)
    {
        var info = new ProcessStartInfo(Binary ?? throw new InvalidOperationException("redis-server is not installed (apt-get install redis-server)"))
        {
            ArgumentList = { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--daemonize", "no" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (_directory is null)
        {
            info.ArgumentList.Add("--appendonly");
            info.ArgumentList.Add("no");
        }
        else
        {
            foreach (string argument in new[] { "--dir", _directory, "--appendonly", "yes", "--appendfsync", "always" })
            {
                info.ArgumentList.Add(argument);
            }
        }

        _process = Process.Start(info)!;
        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port, ct);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50, ct);
            }
        }
    }

    /// <summary>Kills the server (SIGKILL: no goodbye to the clients).</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            await p.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}

/// <summary>A test that needs <c>redis-server</c>: skipped (saying why) on a machine without it, never under CI, where
/// .ci/run installs it and a missing server fails the test.</summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (RedisServer.Binary is null && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = "redis-server is not installed (apt-get install redis-server; .ci/run does)";
        }
    }
}
