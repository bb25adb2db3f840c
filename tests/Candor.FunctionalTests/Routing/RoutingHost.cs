using Candor.Core.Routing;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Routing;

/// <summary>Candor with its own emulators (one per channel, so each channel has its own fault queue and journal)
/// and a routing configuration of the test's own. On dispose: nothing leaked (<see cref="HostLeaks"/>: no upstream
/// request left open, no lease in flight, no unobserved task exception).</summary>
public sealed class RoutingHost : IAsyncDisposable
{
    public const string Key = "sk-routing-0123456789abcdef";

    private readonly CandorTestHost _host;

    private RoutingHost(CandorTestHost host)
    {
        _host = host;
    }

    public IReadOnlyList<EmulatorHost> Emulators => _host.Emulators;

    public Uri BaseAddress => _host.BaseAddress;

    internal HealthRegistry Health => _host.Service<HealthRegistry>();

    internal RuntimeSnapshot Snapshot => _host.Service<SnapshotHolder>().Current;

    /// <summary>Starts <paramref name="emulators"/> emulators; <paramref name="yaml"/> receives their base URLs
    /// (without the trailing slash) and returns the channels, models and routing sections.</summary>
    public static async Task<RoutingHost> StartAsync(int emulators, Func<string[], string> yaml)
    {
        var builder = CandorTestHost.Create()
            .Prefix("candor-routing-")
            .Env("WRONG_KEY", "not-the-secret")
            .Env("CLIENT_KEY", Key)
            .YamlOver(urls => yaml(urls) + "\nkeys:\n  - { name: t, key_env: CLIENT_KEY }\n");
        for (int i = 0; i < emulators; i++)
        {
            builder.Emulator(new EmulatorOptions { RequiredApiKey = CandorTestHost.UpstreamSecret, Seed = i + 1 });
        }

        return new RoutingHost(await builder.StartAsync());
    }

    public HttpClient CreateClient() => _host.CreateClient(Key);

    internal DeploymentHealthView Deployment(string channel) => Health.DescribeChannel(Snapshot, channel)!.Deployments.Single();

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
