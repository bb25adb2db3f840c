using System.Net.Http.Headers;
using Candor.Core.Routing;
using Candor.Emulator;
using Candor.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Candor.FunctionalTests.Routing;

/// <summary>Candor with its own emulators (one per channel, so each channel has its own fault queue and journal)
/// and a routing configuration of the test's own. On dispose: no upstream request left open, no lease left
/// in flight, no unobserved task exception.</summary>
public sealed class RoutingHost : IAsyncDisposable
{
    public const string Key = "sk-routing-0123456789abcdef";

    private readonly List<Exception> _unobserved = [];
    private WebApplication _app = null!;
    private string _dir = null!;

    private RoutingHost()
    {
    }

    public IReadOnlyList<EmulatorHost> Emulators { get; private set; } = [];

    public Uri BaseAddress { get; private set; } = null!;

    public HealthRegistry Health => _app.Services.GetRequiredService<HealthRegistry>();

    public RuntimeSnapshot Snapshot => _app.Services.GetRequiredService<SnapshotHolder>().Current;

    /// <summary>Starts <paramref name="emulators"/> emulators; <paramref name="yaml"/> receives their base URLs
    /// (without the trailing slash) and returns the channels, models and routing sections.</summary>
    public static async Task<RoutingHost> StartAsync(int emulators, Func<string[], string> yaml)
    {
        var host = new RoutingHost();
        TaskScheduler.UnobservedTaskException += host.OnUnobserved;
        var started = new List<EmulatorHost>();
        for (int i = 0; i < emulators; i++)
        {
            started.Add(await EmulatorHost.StartAsync(new EmulatorOptions { RequiredApiKey = "upstream-secret", Seed = i + 1 }));
        }

        host.Emulators = started;
        host._dir = Directory.CreateTempSubdirectory("candor-routing-").FullName;
        string path = Path.Combine(host._dir, "candor.yaml");
        string body = yaml(started.Select(e => e.BaseAddress.ToString().TrimEnd('/')).ToArray());
        await File.WriteAllTextAsync(path, body + "\nkeys:\n  - { name: t, key_env: CLIENT_KEY }\n");
        host._app = await CandorServer.BuildAsync(new ServeOptions
        {
            ConfigPath = path,
            Urls = "http://127.0.0.1:0",
            Environment = n => n switch { "UPSTREAM_KEY" => "upstream-secret", "WRONG_KEY" => "not-the-secret", "CLIENT_KEY" => Key, _ => null },
            Watch = false,
            LogLevel = LogLevel.Warning,
        });
        await host._app.StartAsync();
        host.BaseAddress = new Uri(host._app.Urls.First());
        return host;
    }

    public HttpClient CreateClient()
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        return client;
    }

    public DeploymentHealthView Deployment(string channel) => Health.DescribeChannel(Snapshot, channel)!.Deployments.Single();

    private void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
    {
        lock (_unobserved)
        {
            _unobserved.Add(e.Exception);
        }
    }

    public async ValueTask DisposeAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (Emulators.Any(e => e.ActiveRequests > 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        int leaked = Emulators.Sum(e => e.ActiveRequests);
        var inFlight = Health.Describe(Snapshot).SelectMany(c => c.Deployments).Where(d => d.InFlight != 0).Select(d => d.ChannelId).ToList();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        TaskScheduler.UnobservedTaskException -= OnUnobserved;
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (var e in Emulators)
        {
            await e.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
        Assert.Equal(0, leaked);
        Assert.Empty(inFlight);
        lock (_unobserved)
        {
            Assert.Empty(_unobserved);
        }
    }
}
