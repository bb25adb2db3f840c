using System.Diagnostics;
using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Core.Routing;
using Candor.Core.Upstream;
using Candor.FunctionalTests.Infrastructure;
using Candor.Providers;
using Candor.Storage.Redis;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Candor.FunctionalTests.Cluster;

/// <summary>A deployment's rpm and concurrency limits counted for the whole cluster: three nodes' routers (each its own
/// health registry, its own Redis connection and limiter, as three processes have) on one Redis. Without the shared count
/// each node would admit the whole limit; with it the nodes together admit it once, and never more while Redis is away.</summary>
public sealed class SharedDeploymentLimitsTests(ITestOutputHelper output) : IDisposable
{
    private const int Nodes = 3;
    private static readonly ProviderRegistry Providers = new(ProviderCatalog.All());
    private readonly UpstreamClients _clients = new();

    public void Dispose() => _clients.Dispose();

    [RedisFact]
    public async Task DeploymentWithRpm30_AdmitsExactly30AcrossThreeNodes_AndNoMoreWhileRedisIsAway()
    {
        var ct = Json.Timeout(90);
        await using var redis = await RedisServer.StartPersistentAsync(ct);
        var snapshot = Snapshot("limits: { rpm: 30 }");
        await using var cluster = new Cluster(redis.Configuration);
        var clock = Stopwatch.StartNew();
        int admitted = await BurstAsync(cluster, snapshot, 45, ct);
        output.WriteLine($"with Redis: {admitted} of 45 admitted in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.InRange(admitted, 30, 30 + Refill(clock.Elapsed));

        await redis.ShutdownAsync();
        var outage = Stopwatch.StartNew();
        int alone = await BurstAsync(cluster, snapshot, 30, ct);
        Assert.All(cluster.Limiters, l => Assert.True(l.IsDegraded));
        await redis.StartAgainAsync(ct);
        outage.Stop();
        await Task.Delay(1500, ct); // each node asks Redis again a second after its last failure
        int after = await BurstAsync(cluster, snapshot, 30, ct);

        // A bucket of 30 refills at half a request per second; while Redis was away each node counted a third of the
        // limit alone, from an empty bucket, and the shared bucket refilled meanwhile too.
        int total = admitted + alone + after;
        int allowance = 30 + Refill(clock.Elapsed) + Refill(outage.Elapsed);
        output.WriteLine($"{alone} admitted while Redis was down ({outage.Elapsed.TotalSeconds:0.0} s), {after} after; {total} in {clock.Elapsed.TotalSeconds:0.0} s (allowance {allowance})");
        Assert.True(total <= allowance, $"{total} admitted, beyond the limit's {allowance}");
    }

    [RedisFact]
    public async Task DeploymentWithConcurrency2_HoldsTwoSlotsAcrossNodes()
    {
        var ct = Json.Timeout(60);
        await using var redis = await RedisServer.StartAsync(ct);
        var snapshot = Snapshot("limits: { max_concurrency: 2 }");
        await using var cluster = new Cluster(redis.Configuration);
        var (first, _) = await Plan(cluster.Routers[0], snapshot).NextAsync(ct);
        var (second, _) = await Plan(cluster.Routers[1], snapshot).NextAsync(ct);
        Assert.NotNull(first);
        Assert.NotNull(second);

        // The third node has no slot in flight itself, yet the deployment is at its limit.
        var (third, refusal) = await Plan(cluster.Routers[2], snapshot).NextAsync(ct);
        Assert.Null(third);
        Assert.Equal(429, refusal!.StatusCode);
        Assert.Contains("capacity", refusal.Message, StringComparison.Ordinal);

        first.Value.Lease.Succeeded();
        first.Value.Lease.Release();
        await WaitUntilAsync(async () =>
        {
            var (again, _) = await Plan(cluster.Routers[2], snapshot).NextAsync(ct);
            again?.Lease.Release();
            return again is not null;
        }, ct);
        second.Value.Lease.Release();
    }

    /// <summary>Tries <paramref name="count"/> attempts at once, spread over the nodes; returns how many got the deployment.
    /// Every other one must be refused as at capacity (429).</summary>
    private static async Task<int> BurstAsync(Cluster cluster, RuntimeSnapshot snapshot, int count, CancellationToken ct)
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            var (choice, refusal) = await Plan(cluster.Routers[i % Nodes], snapshot).NextAsync(ct);
            if (choice is not { } held)
            {
                Assert.Equal(429, refusal!.StatusCode);
                return false;
            }

            held.Lease.Succeeded();
            held.Lease.Release();
            return true;
        }));
        return outcomes.Count(static o => o);
    }

    private static int Refill(TimeSpan elapsed) => (int)Math.Ceiling(0.5 * elapsed.TotalSeconds) + 1;

    private static RoutePlan Plan(Router router, RuntimeSnapshot snapshot) =>
        router.Plan(snapshot, snapshot.Models["m"], snapshot.Models["m"].Deployments, null, 10);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, CancellationToken ct)
    {
        while (!await condition())
        {
            await Task.Delay(50, ct);
        }
    }

    private RuntimeSnapshot Snapshot(string limits)
    {
        string yaml = $$"""
            channels:
              - { id: a, provider: openai, base_url: http://a.test/v1, api_key_env: K }
            models:
              - { name: m, deployments: [{ channel: a, model: x, {{limits}} }] }
            keys:
              - { name: t, key_env: C }
            """;
        var config = new ConfigLoader(Providers.Names, n => n switch { "K" => "upstream-key", "C" => "client-key-0123456789", _ => null }).Load(yaml, "test.yaml");
        return RuntimeSnapshot.Build(config, Providers, _clients, KeyHasher.CreateEphemeral());
    }

    /// <summary>Three nodes' routers, each with its own health, Redis connection and shared limiter.</summary>
    private sealed class Cluster : IAsyncDisposable
    {
        private readonly List<StackExchange.Redis.IConnectionMultiplexer> _connections = [];

        public Cluster(string redis)
        {
            for (int i = 0; i < Nodes; i++)
            {
                var connection = SharedRateLimiter.Connect(redis, null);
                _connections.Add(connection);
                var limiter = new SharedRateLimiter(connection, Nodes, TimeProvider.System, NullLogger<SharedRateLimiter>.Instance, "candor:rl:d:");
                Limiters.Add(limiter);
                Routers.Add(new Router(new HealthRegistry(TimeProvider.System), new Random(i), new SharedDeploymentLimits(limiter)));
            }
        }

        public List<Router> Routers { get; } = [];

        public List<SharedRateLimiter> Limiters { get; } = [];

        public async ValueTask DisposeAsync()
        {
            foreach (var limiter in Limiters)
            {
                await limiter.DisposeAsync();
            }

            foreach (var connection in _connections)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
