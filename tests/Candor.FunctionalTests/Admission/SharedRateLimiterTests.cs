using System.Diagnostics;
using Candor.Core.Admission;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage.Redis;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Candor.FunctionalTests.Admission;

/// <summary>The cluster's rate limits against a real Redis: several limiters (one per node) share a key's buckets and
/// slots exactly; a node that dies frees its slots; losing Redis never lets the nodes together exceed a limit, and
/// they share again once it is back.</summary>
public sealed class SharedRateLimiterTests : IAsyncLifetime
{
    private readonly List<IConnectionMultiplexer> _connections = [];
    private readonly List<SharedRateLimiter> _limiters = [];
    private RedisServer? _redis;

    public async Task InitializeAsync()
    {
        if (RedisServer.Binary is not null)
        {
            _redis = await RedisServer.StartAsync(Json.Timeout(30));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var limiter in _limiters)
        {
            await limiter.DisposeAsync();
        }

        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [RedisFact]
    public async Task ThreeNodes_300ConcurrentRequests_AdmitExactlyTheRpm()
    {
        var ct = Json.Timeout(60);
        var nodes = Nodes(3);
        var limits = new RateLimits(30, null, null);
        var clock = Stopwatch.StartNew();
        var decisions = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => nodes[i % 3].TryAcquireAsync("key_a", limits, ct).AsTask()));
        double seconds = clock.Elapsed.TotalSeconds;
        foreach (var d in decisions)
        {
            d.Lease?.Settle(0);
        }

        // The bucket refills at 30 per minute: half a request per second of the test, at most.
        int admitted = decisions.Count(static d => d.Allowed);
        Assert.InRange(admitted, 30, 30 + (int)Math.Floor(seconds / 2));
        Assert.All(decisions.Where(static d => !d.Allowed), static d => Assert.Equal("requests", d.Exceeded));
        Assert.All(decisions.Where(static d => !d.Allowed), static d => Assert.True(d.RetryAfter > TimeSpan.Zero));
    }

    [RedisFact]
    public async Task RemainingRequests_CountDownAcrossNodes()
    {
        var ct = Json.Timeout(30);
        var nodes = Nodes(3);
        var limits = new RateLimits(10, 1000, null);
        var remaining = new List<long>();
        for (int i = 0; i < 3; i++)
        {
            var d = await nodes[i].TryAcquireAsync("key_b", limits, ct);
            Assert.True(d.Allowed);
            Assert.Equal(10, d.LimitRequests);
            Assert.Equal(1000, d.RemainingTokens);
            remaining.Add(d.RemainingRequests);
            d.Lease!.Settle(0);
        }

        Assert.Equal([9, 8, 7], remaining);
    }

    [RedisFact]
    public async Task Concurrency_IsOneSetOfSlotsForAllNodes()
    {
        var ct = Json.Timeout(30);
        var nodes = Nodes(3);
        var limits = new RateLimits(null, null, 5);
        var decisions = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => nodes[i % 3].TryAcquireAsync("key_c", limits, ct).AsTask()));
        var held = decisions.Where(static d => d.Allowed).ToList();
        Assert.Equal(5, held.Count);
        Assert.All(decisions.Where(static d => !d.Allowed), static d => Assert.Equal("concurrency", d.Exceeded));

        // One slot freed on whichever node held it: the next request, on any node, gets it; the one after does not.
        held[0].Lease!.Settle(0);
        var next = await WaitAdmittedAsync(nodes[2], "key_c", limits, ct);
        Assert.False((await nodes[1].TryAcquireAsync("key_c", limits, ct)).Allowed);
        next.Lease!.Settle(0);
        foreach (var d in held.Skip(1))
        {
            d.Lease!.Settle(0);
        }
    }

    [RedisFact]
    public async Task Tokens_AreShared_ARefusalGivesTheRequestBack_AndTheUnusedPartIsRefunded()
    {
        var ct = Json.Timeout(30);
        var nodes = Nodes(2);
        var limits = new RateLimits(100, 1000, null);
        var a = await ((IRateLimiter)nodes[0]).TryAcquireAsync("key_d", limits, 600, ct);
        Assert.True(a.Allowed);
        Assert.InRange(a.RemainingTokens, 400, 401);

        var first = await nodes[1].TryAcquireAsync("key_d", limits, ct);
        long requestsBefore = first.RemainingRequests;
        var b = await nodes[1].TryReserveTokensAsync(first.Lease!, limits, 600, ct);
        Assert.False(b.Allowed);
        Assert.Equal("tokens", b.Exceeded);
        Assert.Equal(requestsBefore + 1, b.RemainingRequests);
        first.Lease!.Settle(0);

        // Node A used 100 of its 600: the 500 come back and node B's 600 fit.
        a.Lease!.Settle(100);
        var again = await WaitAsync(async () => await ((IRateLimiter)nodes[1]).TryAcquireAsync("key_d", limits, 600, ct), static d => d.Allowed, ct);
        Assert.InRange(again.RemainingTokens, 300, 310);
        again.Lease!.Settle(600);
    }

    [RedisFact]
    public async Task ANodeThatDies_FreesItsSlotsWithinTheLeaseTtl_WhileALiveNodeKeepsItsOwn()
    {
        var ct = Json.Timeout(60);
        var ttl = TimeSpan.FromSeconds(1.5);
        var live = Node(leaseTtl: ttl);
        var dying = Node(leaseTtl: ttl);
        var other = Node(leaseTtl: ttl);
        var limits = new RateLimits(null, null, 2);
        var kept = await live.TryAcquireAsync("key_e", limits, ct);
        var lost = await dying.TryAcquireAsync("key_e", limits, ct);
        Assert.True(kept.Allowed && lost.Allowed);
        Assert.False((await other.TryAcquireAsync("key_e", limits, ct)).Allowed);

        // The dying node stops renewing (and never releases); the live one renews every ttl/3.
        await dying.DisposeAsync();
        _limiters.Remove(dying);
        await Task.Delay(ttl * 2.5, ct);
        var freed = await other.TryAcquireAsync("key_e", limits, ct);
        Assert.True(freed.Allowed);
        Assert.False((await other.TryAcquireAsync("key_e", limits, ct)).Allowed);
        kept.Lease!.Settle(0);
        freed.Lease!.Settle(0);
    }

    [RedisFact]
    public async Task RedisDown_EachNodeCountsItsShareFromEmpty_ThenSharesAgainWhenItIsBack()
    {
        var ct = Json.Timeout(90);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var nodes = Nodes(3, time);
        var limits = new RateLimits(60, null, 3);
        var before = await nodes[0].TryAcquireAsync("key_f", limits, ct);
        Assert.True(before.Allowed);
        before.Lease!.Settle(0);

        await _redis!.StopAsync();

        // Each node's share of 60 rpm is 20, its bucket empty when it first counts alone: nothing at once, one request
        // 3 s later (20 per minute).
        var refused = await Task.WhenAll(nodes.Select(n => n.TryAcquireAsync("key_f", limits, ct).AsTask()));
        Assert.All(refused, static d => Assert.Equal("requests", d.Exceeded));
        Assert.All(nodes, static n => Assert.True(n.IsDegraded));
        time.Advance(TimeSpan.FromSeconds(3.1));
        var admitted = await Task.WhenAll(nodes.Select(n => n.TryAcquireAsync("key_f", limits, ct).AsTask()));
        Assert.All(admitted, static d => Assert.True(d.Allowed));
        Assert.All(await Task.WhenAll(nodes.Select(n => n.TryAcquireAsync("key_f", limits, ct).AsTask())), static d => Assert.False(d.Allowed));

        // The concurrency share is 1 per node: the admitted request holds it.
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("concurrency", (await nodes[0].TryAcquireAsync("key_f", limits, ct)).Exceeded);
        foreach (var d in admitted)
        {
            d.Lease!.Settle(0);
        }

        // Redis back (empty: a restarted cache-only Redis has no buckets, so they count as full): after the pause the nodes
        // share it again without anyone's help.
        await _redis.StartAgainAsync(ct);
        time.Advance(SharedRateLimiter.RetryAfterFailure);
        var shared = await WaitAsync(async () =>
        {
            time.Advance(SharedRateLimiter.RetryAfterFailure);
            return await nodes[1].TryAcquireAsync("key_f", limits, ct);
        }, _ => !nodes[1].IsDegraded, ct);
        Assert.True(shared.Allowed);
        Assert.Equal(59, shared.RemainingRequests);
        shared.Lease!.Settle(0);
    }

    [RedisFact]
    public async Task AnUnlimitedKey_NeverTouchesRedis()
    {
        var ct = Json.Timeout(30);
        var node = Node();
        await _redis!.StopAsync();
        var d = await node.TryAcquireAsync("key_g", RateLimits.None, ct);
        Assert.True(d.Allowed);
        Assert.False(node.IsDegraded);
        d.Lease!.Settle(0);
    }

    private SharedRateLimiter[] Nodes(int count, TimeProvider? time = null) =>
        Enumerable.Range(0, count).Select(_ => Node(time, nodes: count)).ToArray();

    private SharedRateLimiter Node(TimeProvider? time = null, int nodes = 1, TimeSpan? leaseTtl = null)
    {
        var connection = SharedRateLimiter.Connect(_redis!.Configuration, null);
        _connections.Add(connection);
        var limiter = new SharedRateLimiter(connection, nodes, time ?? TimeProvider.System, NullLogger<SharedRateLimiter>.Instance, leaseTtl: leaseTtl);
        _limiters.Add(limiter);
        return limiter;
    }

    private static Task<RateDecision> WaitAdmittedAsync(SharedRateLimiter node, string key, RateLimits limits, CancellationToken ct) =>
        WaitAsync(async () => await node.TryAcquireAsync(key, limits, ct), static d => d.Allowed, ct);

    /// <summary>Retries <paramref name="attempt"/> every 50 ms until <paramref name="done"/> (a release is sent without
    /// waiting for it); gives up with the token.</summary>
    private static async Task<RateDecision> WaitAsync(Func<Task<RateDecision>> attempt, Func<RateDecision, bool> done, CancellationToken ct)
    {
        while (true)
        {
            var d = await attempt();
            if (done(d))
            {
                return d;
            }

            d.Lease?.Settle(0);
            await Task.Delay(50, ct);
        }
    }
}
