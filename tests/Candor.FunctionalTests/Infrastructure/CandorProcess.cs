using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Candor.FunctionalTests.Infrastructure;

/// <summary>Candor as its own process (<c>dotnet candor.dll serve --no-watch</c>), for the tests that kill it with
/// SIGKILL and start it again on the same port, configuration and data directory. Every line it writes goes to the
/// caller's sink, which keeps the pipes from filling.</summary>
internal static class CandorProcess
{
    /// <summary>A loopback port nothing listens on now (the listener that found it is closed again).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts <c>candor serve</c> on <paramref name="config"/> at <c>http://127.0.0.1:<paramref name="port"/></c>
    /// with <paramref name="environment"/> added to this process's environment.</summary>
    public static Process Start(string config, int port, string logLevel, IReadOnlyDictionary<string, string> environment, Action<string?> output)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "candor.dll"), "serve", "--config", config, "--urls", $"http://127.0.0.1:{port}", "--no-watch", "--log-level", logLevel },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => output(e.Data);
        process.ErrorDataReceived += (_, e) => output(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Returns once <c>/healthz</c> answers with success; retries every 100 ms until then.</summary>
    public static async Task WaitHealthyAsync(HttpClient client, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                using var r = await client.GetAsync("/healthz", ct);
                if (r.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100, ct);
        }
    }
}
