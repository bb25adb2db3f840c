using Candor.Emulator;

namespace Candor.FunctionalTests.Infrastructure;

/// <summary>What the nodes of a <see cref="CandorCluster"/> share besides PostgreSQL: one upstream emulator (it wants the
/// key <see cref="UpstreamKey"/>, given to the nodes as <c>UPSTREAM_KEY</c>) and one Redis, for a test class
/// (<c>IClassFixture</c>).</summary>
public sealed class ClusterUpstream : IAsyncLifetime
{
    public const string UpstreamKey = "upstream-secret";

    private EmulatorHost? _emulator;
    private RedisServer? _redis;

    /// <summary>The emulator's base URL without the trailing slash.</summary>
    public string Emulator => _emulator!.BaseAddress.ToString().TrimEnd('/');

    /// <summary>The Redis, as <c>cluster.redis</c> names it.</summary>
    public string Redis => _redis!.Configuration;

    /// <summary>The environment every node gets: the upstream's key.</summary>
    public static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string> { ["UPSTREAM_KEY"] = UpstreamKey };

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { RequiredApiKey = UpstreamKey });
        if (RedisServer.Binary is not null)
        {
            _redis = await RedisServer.StartAsync(Json.Timeout(30));
        }
    }

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }
    }
}
