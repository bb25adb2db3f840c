using Candor.Core.Routing;
using Candor.FunctionalTests.Billing;
using Candor.FunctionalTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Candor.FunctionalTests.Cluster;

/// <summary>Issue 16 item 6: two real servers sharing one Redis (<c>cluster.redis</c>) share their health. A channel
/// whose upstream fails on node A opens its circuit on node B too, without B sending it a request; a channel disabled
/// and enabled again on A is disabled and enabled on B.</summary>
public sealed class SharedHealthTests
{
    private const string Failing = """{"model":"m-500","messages":[{"role":"user","content":"hi"}],"max_tokens":20}""";

    [RedisFact]
    public async Task CircuitOpenedOnOneNode_IsOpenOnTheOther()
    {
        var ct = Json.Timeout(90);
        await using var redis = await RedisServer.StartAsync(ct);
        await using var a = new Node(redis.Configuration);
        await using var b = new Node(redis.Configuration);
        await a.InitializeAsync();
        await b.InitializeAsync();
        Assert.Equal("healthy", State(b, "broken"));

        // Node A's upstream answers 500 until A's circuit opens (five failures in the window at the default settings).
        using var client = new HttpClient { BaseAddress = a.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", BillingHost.ConfigKey);
        while (State(a, "broken") == "healthy")
        {
            using var response = await client.PostAsync("/v1/chat/completions", Json.Body(Failing), ct);
            Assert.NotEqual(200, (int)response.StatusCode);
        }

        Assert.Equal("cooling_down", State(a, "broken"));
        await WaitAsync(() => State(b, "broken") == "cooling_down", ct);
        Assert.Equal(0, b.Emulator.Journal.Count); // B learnt it without a request of its own
    }

    [RedisFact]
    public async Task ChannelDisabledOnOneNode_IsDisabledOnTheOtherUntilEnabled()
    {
        var ct = Json.Timeout(90);
        await using var redis = await RedisServer.StartAsync(ct);
        await using var a = new Node(redis.Configuration);
        await using var b = new Node(redis.Configuration);
        await a.InitializeAsync();
        await b.InitializeAsync();

        var health = a.Services.GetRequiredService<HealthRegistry>();
        Assert.True(health.DisableChannel(a.Services.GetRequiredService<SnapshotHolder>().Current, "slow", "disabled by a test"));
        await WaitAsync(() => Channel(b, "slow") is { Enabled: false }, ct);
        Assert.Contains("disabled by a test", Channel(b, "slow")!.DisabledReason, StringComparison.Ordinal);

        Assert.True(health.EnableChannel(a.Services.GetRequiredService<SnapshotHolder>().Current, "slow"));
        await WaitAsync(() => Channel(b, "slow") is { Enabled: true }, ct);
    }

    private static ChannelHealthView? Channel(Node node, string channel) =>
        node.Services.GetRequiredService<HealthRegistry>().DescribeChannel(node.Services.GetRequiredService<SnapshotHolder>().Current, channel);

    private static string State(Node node, string channel) => Channel(node, channel)!.Deployments.Single().State;

    /// <summary>Polls every 20 ms; a report takes one Redis round trip, so within a second is ample.</summary>
    private static async Task WaitAsync(Func<bool> condition, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(1));
        while (!condition())
        {
            await Task.Delay(20, limit.Token);
        }
    }

    /// <summary>A billing host (its own store and emulator) on the shared Redis.</summary>
    private sealed class Node(string redis) : BillingHost, IAsyncDisposable
    {
        protected override string Sections => $"cluster: {{ redis: \"{redis}\", nodes: 2 }}";

        async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();
    }
}
