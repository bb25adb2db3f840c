using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Storage.Redis;

namespace Candor.Server.Hosting;

/// <summary>What the nodes of one installation share beyond the store (the <c>cluster</c> section; docs/scale-out.md):
/// the rate limiter of stored keys is this node's own (<see cref="RateLimiter"/>) or, with <c>cluster.redis</c>, the
/// cluster's (<see cref="SharedRateLimiter"/>). Both are registered as <see cref="IRateLimiter"/>; this node's stays
/// registered as itself either way (the test host's leak check reads it). With Redis the deployments' limits are the
/// cluster's too (<see cref="Candor.Core.Routing.SharedDeploymentLimits"/>), and the nodes share their health
/// (<see cref="HealthGossip"/>).</summary>
internal static class ClusterSetup
{
    /// <summary>The environment variable the Redis password is read from.</summary>
    public const string RedisPasswordVariable = "CANDOR_REDIS_PASSWORD";

    /// <summary>The Redis namespace of the deployments' limits (the keys' are <c>candor:rl:{key id}</c>).</summary>
    public const string DeploymentLimitsPrefix = "candor:rl:d:";

    private const string DeploymentLimitsKey = "deployments";

    public static void AddRateLimiter(IServiceCollection services, CandorConfig config, Func<string, string?> environment)
    {
        services.AddSingleton<RateLimiter>();
        if (config.Cluster.Redis is not { } redis)
        {
            services.AddSingleton<IRateLimiter>(sp => sp.GetRequiredService<RateLimiter>());
            return;
        }

        AddShared(services, config, redis, environment);
    }

    /// <summary>The Redis half of <see cref="AddRateLimiter"/>, a method of its own: compiling a method that names
    /// StackExchange.Redis' types loads the assembly, so a node without <c>cluster.redis</c> never maps it
    /// (docs/benchmarks.md, "Idle resident memory: what loads at start").</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void AddShared(IServiceCollection services, CandorConfig config, string redis, Func<string, string?> environment)
    {
        // Connecting does not wait for Redis to be up (the limiter falls back and the connection comes back by itself).
        services.AddSingleton(_ => SharedRateLimiter.Connect(redis, environment(RedisPasswordVariable)));
        services.AddSingleton(sp => new SharedRateLimiter(sp.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>(), config.Cluster.Nodes,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SharedRateLimiter>>()));
        services.AddSingleton<IRateLimiter>(sp => sp.GetRequiredService<SharedRateLimiter>());

        // The deployments' limits too, in a namespace of their own (the router counts them there instead of on this node).
        services.AddKeyedSingleton(DeploymentLimitsKey, (sp, _) => new SharedRateLimiter(sp.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>(),
            config.Cluster.Nodes, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SharedRateLimiter>>(), DeploymentLimitsPrefix));
        services.AddSingleton(sp => new Candor.Core.Routing.SharedDeploymentLimits(sp.GetRequiredKeyedService<SharedRateLimiter>(DeploymentLimitsKey)));

        // Health shared too: circuits, channel disables and quarantines reported between the nodes (HealthGossip).
        services.AddHostedService(sp => new HealthGossip(sp.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>(), sp.GetRequiredService<Candor.Core.Routing.HealthRegistry>(),
            sp.GetRequiredService<Candor.Core.Routing.HealthEvents>(), sp.GetRequiredService<Candor.Core.Audit.ChannelQuarantine>(), sp.GetRequiredService<Candor.Core.Routing.SnapshotHolder>(),
            sp.GetRequiredService<ILogger<HealthGossip>>()));
    }
}
