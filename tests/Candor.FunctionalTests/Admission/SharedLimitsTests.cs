using System.Globalization;
using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.FunctionalTests.Billing;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage.Redis;
using Microsoft.Extensions.Logging.Abstractions;

namespace Candor.FunctionalTests.Admission;

/// <summary>The real server with <c>cluster.redis</c>: its stored keys' limits are the cluster's. A second limiter on the
/// same Redis plays another node: what it takes, this server's key no longer has, and the headers say so.</summary>
public sealed class SharedLimitsTests(SharedLimitsTests.Host host) : IClassFixture<SharedLimitsTests.Host>
{
    private const string Chat = """{"model":"m-openai","messages":[{"role":"user","content":"hi"}],"max_tokens":50}""";

    [RedisFact]
    public async Task AnotherNodesRequests_CountAgainstThisServersKey()
    {
        var ct = Json.Timeout(60);
        Assert.IsType<SharedRateLimiter>(host.Services.GetService(typeof(IRateLimiter)));
        var account = await host.CreateAccountAsync(1_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, new ApiKeyLimits { RpmLimit = 4 }, ct);
        using var client = host.CreateClient(key.PlaintextKey);
        using (var first = await client.PostAsync("/v1/chat/completions", Json.Body(Chat), ct))
        {
            Assert.Equal(200, (int)first.StatusCode);
            Assert.Equal("3", first.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        }

        // The other node admits two requests of the same key.
        await using (var otherNode = host.OtherNode())
        {
            var limits = new RateLimits(4, null, null);
            for (int i = 0; i < 2; i++)
            {
                var d = await otherNode.TryAcquireAsync(key.Record.Id, limits, ct);
                Assert.True(d.Allowed);
                d.Lease!.Settle(0);
            }
        }

        using (var last = await client.PostAsync("/v1/chat/completions", Json.Body(Chat), ct))
        {
            Assert.Equal(200, (int)last.StatusCode);
            Assert.Equal("0", last.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        }

        using var refused = await client.PostAsync("/v1/chat/completions", Json.Body(Chat), ct);
        Assert.Equal(429, (int)refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("4", refused.Headers.GetValues("x-ratelimit-limit-requests").Single());
        _ = int.Parse(refused.Headers.GetValues("x-ratelimit-remaining-requests").Single(), CultureInfo.InvariantCulture);
    }

    /// <summary>A billing host whose configuration shares limits through a Redis started for it.</summary>
    public sealed class Host : BillingHost
    {
        private RedisServer? _redis;
        private readonly List<StackExchange.Redis.IConnectionMultiplexer> _connections = [];

        protected override string Sections => _redis is null ? "" : $"cluster: {{ redis: \"{_redis.Configuration}\", nodes: 2 }}";

        public override async Task InitializeAsync()
        {
            if (RedisServer.Binary is not null)
            {
                _redis = await RedisServer.StartAsync(Json.Timeout(30));
            }

            await base.InitializeAsync();
        }

        /// <summary>A limiter on the same Redis, as another node's.</summary>
        internal SharedRateLimiter OtherNode()
        {
            var connection = SharedRateLimiter.Connect(_redis!.Configuration, null);
            _connections.Add(connection);
            return new SharedRateLimiter(connection, 2, TimeProvider.System, NullLogger<SharedRateLimiter>.Instance);
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            foreach (var c in _connections)
            {
                await c.DisposeAsync();
            }

            if (_redis is not null)
            {
                await _redis.DisposeAsync();
            }
        }
    }
}
