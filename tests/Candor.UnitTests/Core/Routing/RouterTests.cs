using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Core.Routing;
using Candor.Core.Upstream;
using Candor.Protocols.Canonical;
using Candor.Providers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Candor.UnitTests.Support;

namespace Candor.UnitTests.Core.Routing;

public sealed class RouterTests : IDisposable
{
    private static readonly ProviderRegistry Providers = new(ProviderCatalog.All());
    private readonly UpstreamClients _clients = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ListLogger<HealthEvents> _log = new();
    private readonly HealthRegistry _health;

    public RouterTests() => _health = new HealthRegistry(_time, new HealthEvents(_log));

    public void Dispose() => _clients.Dispose();

    private static readonly Dictionary<string, string> Env = new() { ["K"] = "upstream-key", ["K2"] = "another-key", ["C"] = "client-key-0123456789" };

    private RuntimeSnapshot Snapshot(string models, string routing = "", string keyEnv = "K")
    {
        string yaml = $"""
            channels:
              - {"{"} id: a, provider: openai, base_url: http://a.test/v1, api_key_env: {keyEnv} {"}"}
              - {"{"} id: b, provider: openai, base_url: http://b.test/v1, api_key_env: K {"}"}
              - {"{"} id: c, provider: openai, base_url: http://c.test/v1, api_key_env: K {"}"}
            models:
            {models}
            keys:
              - {"{"} name: t, key_env: C {"}"}
            {routing}
            """;
        var config = new ConfigLoader(Providers.Names, n => Env.GetValueOrDefault(n)).Load(yaml, "test.yaml");
        return RuntimeSnapshot.Build(config, Providers, _clients, KeyHasher.CreateEphemeral());
    }

    private Router NewRouter(int seed = 7) => new(_health, new Random(seed));

    private static RoutePlan Plan(Router router, RuntimeSnapshot snapshot, string model = "m", string? key = null) =>
        router.Plan(snapshot, snapshot.Models[model], snapshot.Models[model].Deployments, key, 10);

    private static RouteChoice Next(RoutePlan plan)
    {
        Assert.True(plan.TryNext(out var choice, out var refusal), refusal?.Message);
        return choice;
    }

    private const string ThreeWeighted = """
          - name: m
            deployments:
              - { channel: a, model: x, weight: 1 }
              - { channel: b, model: x, weight: 3 }
              - { channel: c, model: x, weight: 6 }
        """;

    [Fact]
    public void WeightedRandom_ConvergesToConfiguredShares()
    {
        var snapshot = Snapshot(ThreeWeighted);
        var router = NewRouter();
        var counts = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0, ["c"] = 0 };
        const int N = 20_000;
        for (int i = 0; i < N; i++)
        {
            var choice = Next(Plan(router, snapshot));
            counts[choice.Deployment.ChannelId]++;
            choice.Lease.Succeeded();
            choice.Lease.Release();
        }

        Assert.InRange(counts["a"] / (double)N, 0.09, 0.11);
        Assert.InRange(counts["b"] / (double)N, 0.28, 0.32);
        Assert.InRange(counts["c"] / (double)N, 0.58, 0.62);
    }

    [Fact]
    public void Plan_NeverOffersTheSameDeploymentTwice_AndEndsWithoutRefusalAfterAttempts()
    {
        var snapshot = Snapshot(ThreeWeighted);
        var plan = Plan(NewRouter(), snapshot);
        var seen = new HashSet<string>();
        for (int i = 0; i < 3; i++)
        {
            var choice = Next(plan);
            Assert.True(seen.Add(choice.Deployment.ChannelId));
            choice.Lease.Failed(UpstreamFailure.ServerError, null);
            choice.Lease.Release();
        }

        Assert.False(plan.TryNext(out _, out var refusal));
        Assert.Null(refusal);
    }

    private const string Tiers = """
          - name: m
            deployments:
              - { channel: a, model: x, priority: 0 }
              - { channel: b, model: x, priority: 1 }
        """;

    private const string Health = """
        routing:
          health: { window: 60s, min_requests: 4, failure_rate: 0.5, cooldown: 5s, max_cooldown: 1m }
        """;

    private void Fail(Router router, RuntimeSnapshot snapshot, string channel, int times, UpstreamFailure failure = UpstreamFailure.ServerError, int? retryAfter = null)
    {
        for (int i = 0; i < times; i++)
        {
            var plan = Plan(router, snapshot);
            while (true)
            {
                var choice = Next(plan);
                if (choice.Deployment.ChannelId == channel)
                {
                    choice.Lease.Failed(failure, retryAfter);
                    choice.Lease.Release();
                    break;
                }

                choice.Lease.Release();
            }
        }
    }

    [Fact]
    public void PriorityTiers_LowerTierFirst_HigherTierWhileItCoolsDown_AndBackAfterCooldown()
    {
        var snapshot = Snapshot(Tiers, Health);
        var router = NewRouter();
        Assert.Equal("a", Next(Plan(router, snapshot)).Deployment.ChannelId);
        Fail(router, snapshot, "a", 4);
        Assert.Equal("cooling_down", _health.DescribeChannel(snapshot, "a")!.Deployments[0].State);
        Assert.Equal("b", Next(Plan(router, snapshot)).Deployment.ChannelId);

        _time.Advance(TimeSpan.FromSeconds(5));
        var trial = Next(Plan(router, snapshot));
        Assert.Equal("a", trial.Deployment.ChannelId);
        Assert.True(trial.Lease.Trial);

        // While the one trial is out, others go to the next tier.
        Assert.Equal("b", Next(Plan(router, snapshot)).Deployment.ChannelId);
        trial.Lease.Succeeded();
        trial.Lease.Release();
        Assert.Equal("healthy", _health.DescribeChannel(snapshot, "a")!.Deployments[0].State);
        Assert.Equal("a", Next(Plan(router, snapshot)).Deployment.ChannelId);
    }

    [Fact]
    public void HalfOpenTrialFailure_ReopensWithDoubledCooldown()
    {
        var snapshot = Snapshot("""
              - name: m
                deployments: [{ channel: a, model: x }]
            """, Health);
        var router = NewRouter();
        Fail(router, snapshot, "a", 4);
        Assert.False(Plan(router, snapshot).TryNext(out _, out var refusal));
        Assert.Equal(503, refusal!.StatusCode);
        Assert.Equal(5, refusal.RetryAfterSeconds);
        Assert.Contains("'m'", refusal.Message, StringComparison.Ordinal);

        _time.Advance(TimeSpan.FromSeconds(5));
        var trial = Next(Plan(router, snapshot));
        Assert.True(trial.Lease.Trial);
        Assert.False(Plan(router, snapshot).TryNext(out _, out _));
        trial.Lease.Failed(UpstreamFailure.Timeout, null);
        trial.Lease.Release();

        var view = _health.DescribeChannel(snapshot, "a")!.Deployments[0];
        Assert.Equal("cooling_down", view.State);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(10), view.Until);
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(Plan(router, snapshot).TryNext(out _, out _));
        _time.Advance(TimeSpan.FromSeconds(1));
        var second = Next(Plan(router, snapshot));
        second.Lease.Succeeded();
        second.Lease.Release();
        Assert.Equal("healthy", _health.DescribeChannel(snapshot, "a")!.Deployments[0].State);

        // Operators are told each change: two openings (the second after the failed trial, with the doubled
        // cooldown), then the close.
        Assert.Equal(
            [
                (1410, LogLevel.Warning, "Circuit opened for channel a model x at a ServerError failure: no requests for 5s (opening 1 in a row)"),
                (1410, LogLevel.Warning, "Circuit opened for channel a model x at a Timeout failure: no requests for 10s (opening 2 in a row)"),
                (1411, LogLevel.Information, "Circuit closed for channel a model x: a request succeeded"),
            ],
            _log.Lines);
    }

    [Fact]
    public void FailuresBelowMinRequestsOrRate_DoNotOpenTheCircuit()
    {
        var snapshot = Snapshot("""
              - name: m
                deployments: [{ channel: a, model: x }]
            """, Health);
        var router = NewRouter();
        Fail(router, snapshot, "a", 3);
        for (int i = 0; i < 4; i++)
        {
            var ok = Next(Plan(router, snapshot));
            ok.Lease.Succeeded();
            ok.Lease.Release();
        }

        Assert.Equal("healthy", _health.DescribeChannel(snapshot, "a")!.Deployments[0].State); // 3 of 7
        Fail(router, snapshot, "a", 1); // 4 of 8 reaches the rate
        Assert.Equal("cooling_down", _health.DescribeChannel(snapshot, "a")!.Deployments[0].State);

        // The window slides: old failures age out.
        _time.Advance(TimeSpan.FromSeconds(5));
        var trial = Next(Plan(router, snapshot));
        trial.Lease.Succeeded();
        trial.Lease.Release();
        Fail(router, snapshot, "a", 2); // 2 of 3: too few to judge
        Assert.Equal("healthy", _health.DescribeChannel(snapshot, "a")!.Deployments[0].State);
        _time.Advance(TimeSpan.FromMinutes(2));
        Fail(router, snapshot, "a", 2);
        var view = _health.DescribeChannel(snapshot, "a")!.Deployments[0];
        Assert.Equal("healthy", view.State);
        Assert.Equal(2, view.WindowFailures);
        Assert.Equal(8, view.TotalFailures);
    }

    [Fact]
    public void RetryAfter_KeepsTheDeploymentAsideUntilItPasses()
    {
        var snapshot = Snapshot("""
              - name: m
                deployments: [{ channel: a, model: x }]
            """);
        var router = NewRouter();
        Fail(router, snapshot, "a", 1, UpstreamFailure.RateLimited, retryAfter: 7);
        Assert.False(Plan(router, snapshot).TryNext(out _, out var refusal));
        Assert.Equal(429, refusal!.StatusCode);
        Assert.Equal(RelayErrorKind.RateLimited, refusal.Kind);
        Assert.Equal(7, refusal.RetryAfterSeconds);
        _time.Advance(TimeSpan.FromSeconds(6.5));
        Assert.False(Plan(router, snapshot).TryNext(out _, out refusal));
        Assert.Equal(1, refusal!.RetryAfterSeconds);
        _time.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Equal("a", Next(Plan(router, snapshot)).Deployment.ChannelId);
    }

    [Fact]
    public void TryAnyway_TriesTheUnhealthyDeploymentSoonestToRecover()
    {
        var snapshot = Snapshot("""
              - name: m
                all_unhealthy: try_anyway
                deployments: [{ channel: a, model: x }, { channel: b, model: x }]
            """);
        var router = NewRouter();
        Fail(router, snapshot, "a", 1, UpstreamFailure.RateLimited, retryAfter: 30);
        Fail(router, snapshot, "b", 1, UpstreamFailure.RateLimited, retryAfter: 10);
        Assert.Equal("b", Next(Plan(router, snapshot)).Deployment.ChannelId);
    }

    [Fact]
    public void CredentialFailure_DisablesTheChannelWithAReason_UntilEnabled()
    {
        var snapshot = Snapshot("""
              - name: m
                deployments: [{ channel: a, model: x }, { channel: b, model: x }]
            """);
        var router = NewRouter();
        Fail(router, snapshot, "a", 1, UpstreamFailure.Credentials);
        var view = _health.DescribeChannel(snapshot, "a")!;
        Assert.False(view.Enabled);
        Assert.Contains("credential", view.DisabledReason, StringComparison.Ordinal);
        Assert.Equal("disabled", view.Deployments[0].State);
        for (int i = 0; i < 20; i++)
        {
            var choice = Next(Plan(router, snapshot));
            Assert.Equal("b", choice.Deployment.ChannelId);
            choice.Lease.Release();
        }

        Assert.True(_health.DisableChannel(snapshot, "b", "maintenance"));
        Assert.False(Plan(router, snapshot).TryNext(out _, out var refusal));
        Assert.Contains("disabled", refusal!.Message, StringComparison.Ordinal);
        Assert.True(_health.EnableChannel(snapshot, "a"));
        Assert.Equal("a", Next(Plan(router, snapshot)).Deployment.ChannelId);
        Assert.False(_health.EnableChannel(snapshot, "nope"));
        Assert.Equal(
            [
                "Channel a disabled: the upstream refused the channel's credential (401 or 403)",
                "Channel b disabled: maintenance",
                "Channel a enabled again",
            ],
            _log.Lines.Select(l => l.Message));
    }

    [Fact]
    public void LeastLatency_PeakEwmaPrefersTheFastDeployment()
    {
        var snapshot = Snapshot("""
              - name: m
                strategy: least_latency
                deployments: [{ channel: a, model: x }, { channel: b, model: x }, { channel: c, model: x }]
            """);
        var router = NewRouter();
        var latency = new Dictionary<string, TimeSpan> { ["a"] = TimeSpan.FromMilliseconds(400), ["b"] = TimeSpan.FromMilliseconds(40), ["c"] = TimeSpan.FromMilliseconds(300) };
        var counts = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0, ["c"] = 0 };
        for (int i = 0; i < 600; i++)
        {
            var choice = Next(Plan(router, snapshot));
            _time.Advance(latency[choice.Deployment.ChannelId]);
            choice.Lease.Succeeded();
            choice.Lease.Release();
            if (i >= 100)
            {
                counts[choice.Deployment.ChannelId]++;
            }
        }

        // Power of two choices: the fast one wins every pair it is in (2 of 3 pairs); the rest go to the
        // better of the other two, whose decayed costs it re-measures now and then.
        Assert.True(counts["b"] > 300, $"fast deployment got {counts["b"]} of 500");
        Assert.True(counts["b"] > counts["a"] + counts["c"]);
        var view = _health.DescribeChannel(snapshot, "b")!.Deployments[0];
        Assert.Equal(40, view.LatencyP50Ms);
    }

    [Fact]
    public void LeastLatency_CountsInFlightAgainstAFastDeployment()
    {
        var snapshot = Snapshot("""
              - name: m
                strategy: least_latency
                deployments: [{ channel: a, model: x }, { channel: b, model: x }]
            """);
        var router = NewRouter();
        foreach (var (channel, ms) in new[] { ("a", 100), ("b", 300) })
        {
            while (true)
            {
                var c = Next(Plan(router, snapshot));
                _time.Advance(TimeSpan.FromMilliseconds(c.Deployment.ChannelId == channel ? ms : 0));
                bool done = c.Deployment.ChannelId == channel;
                if (done)
                {
                    c.Lease.Succeeded();
                }

                c.Lease.Release();
                if (done)
                {
                    break;
                }
            }
        }

        // a costs 100 ms and b 300 ms; with 3 requests held on a (load 400) b (load 300) wins.
        var held = Enumerable.Range(0, 4).Select(_ => Next(Plan(router, snapshot))).ToList();
        Assert.All(held.Take(3), h => Assert.Equal("a", h.Deployment.ChannelId));
        Assert.Equal("b", held[3].Deployment.ChannelId);
    }

    [Fact]
    public void LeastBusy_PicksFewestInFlightPerWeight()
    {
        var snapshot = Snapshot("""
              - name: m
                strategy: least_busy
                deployments: [{ channel: a, model: x, weight: 2 }, { channel: b, model: x }]
            """);
        var router = NewRouter();
        var held = Enumerable.Range(0, 6).Select(_ => Next(Plan(router, snapshot))).ToList();
        Assert.Equal(4, held.Count(h => h.Deployment.ChannelId == "a"));
        Assert.Equal(2, held.Count(h => h.Deployment.ChannelId == "b"));
        Assert.Equal(4, _health.DescribeChannel(snapshot, "a")!.Deployments[0].InFlight);
        held.ForEach(h => h.Lease.Release());
        Assert.Equal(0, _health.DescribeChannel(snapshot, "a")!.Deployments[0].InFlight);
    }

    [Fact]
    public void Sticky_SameKeySameDeployment_FallsBackWhileUnhealthy_ReturnsAfter()
    {
        var snapshot = Snapshot("""
              - name: m
                strategy: sticky
                deployments: [{ channel: a, model: x }, { channel: b, model: x }, { channel: c, model: x }]
            """);
        var router = NewRouter();
        var homes = new Dictionary<string, string>();
        for (int k = 0; k < 30; k++)
        {
            string key = $"u:user-{k}";
            var first = Next(Plan(router, snapshot, key: key)).Deployment.ChannelId;
            for (int i = 0; i < 5; i++)
            {
                Assert.Equal(first, Next(Plan(router, snapshot, key: key)).Deployment.ChannelId);
            }

            homes[key] = first;
        }

        Assert.Equal(3, homes.Values.Distinct().Count());
        var (victimKey, victim) = homes.First();
        _health.DisableChannel(snapshot, victim, "test");
        string fallback = Next(Plan(router, snapshot, key: victimKey)).Deployment.ChannelId;
        Assert.NotEqual(victim, fallback);
        Assert.Equal(fallback, Next(Plan(router, snapshot, key: victimKey)).Deployment.ChannelId);

        // Keys at other deployments do not move.
        foreach (var (key, home) in homes.Where(h => h.Value != victim))
        {
            Assert.Equal(home, Next(Plan(router, snapshot, key: key)).Deployment.ChannelId);
        }

        _health.EnableChannel(snapshot, victim);
        Assert.Equal(victim, Next(Plan(router, snapshot, key: victimKey)).Deployment.ChannelId);
    }

    [Fact]
    public void AffinityKey_HeaderThenUserThenConversation()
    {
        var snapshot = Snapshot("""
              - name: m
                strategy: sticky
                deployments: [{ channel: a, model: x }]
              - name: n
                strategy: sticky
                affinity: conversation
                deployments: [{ channel: a, model: x }]
            """);
        var request = new ChatRequest { Model = "m", User = "alice" };
        request.Messages.Add(ChatMessage.Text(ChatRole.System, "be brief"));
        request.Messages.Add(ChatMessage.Text(ChatRole.User, "hello"));
        const string headers = "session-1";
        Assert.Equal("h:session-1", Router.AffinityKey(snapshot.Models["m"], request, headers));
        Assert.Equal("u:alice", Router.AffinityKey(snapshot.Models["m"], request, null));
        string? conversation = Router.AffinityKey(snapshot.Models["n"], request, headers);
        Assert.StartsWith("c:", conversation, StringComparison.Ordinal);

        // Later turns of the same conversation keep the key.
        request.Messages.Add(ChatMessage.Text(ChatRole.Assistant, "hi"));
        request.Messages.Add(ChatMessage.Text(ChatRole.User, "more"));
        Assert.Equal(conversation, Router.AffinityKey(snapshot.Models["n"], request, headers));
    }

    [Fact]
    public void Limits_BusyDeploymentShedsToTheNext_AllBusyIs429()
    {
        var snapshot = Snapshot("""
              - name: m
                deployments:
                  - { channel: a, model: x, priority: 0, limits: { max_concurrency: 2 } }
                  - { channel: b, model: x, priority: 1, limits: { rpm: 3 } }
            """);
        var router = NewRouter();
        var a1 = Next(Plan(router, snapshot));
        var a2 = Next(Plan(router, snapshot));
        Assert.Equal("a", a2.Deployment.ChannelId);
        for (int i = 0; i < 3; i++)
        {
            var b = Next(Plan(router, snapshot));
            Assert.Equal("b", b.Deployment.ChannelId);
            b.Lease.Succeeded();
            b.Lease.Release();
        }

        Assert.False(Plan(router, snapshot).TryNext(out _, out var refusal));
        Assert.Equal(429, refusal!.StatusCode);
        Assert.Contains("capacity", refusal.Message, StringComparison.Ordinal);
        a1.Lease.Release();
        Assert.Equal("a", Next(Plan(router, snapshot)).Deployment.ChannelId);
        _time.Advance(TimeSpan.FromMinutes(1));
        a2.Lease.Release();
        Assert.Equal(0, _health.DescribeChannel(snapshot, "b")!.Deployments[0].RequestsLastMinute);
    }

    [Fact]
    public void TokensPerMinute_CountsEstimatesCorrectedByReportedUsage()
    {
        var snapshot = Snapshot("""
              - name: m
                deployments: [{ channel: a, model: x, limits: { tpm: 100 } }, { channel: b, model: x, priority: 1 }]
            """);
        var router = NewRouter();
        var first = Next(router.Plan(snapshot, snapshot.Models["m"], snapshot.Models["m"].Deployments, null, 60));
        Assert.Equal("a", first.Deployment.ChannelId);
        first.Lease.ReportTokens(30);
        first.Lease.Release();
        Assert.Equal(30, _health.DescribeChannel(snapshot, "a")!.Deployments[0].TokensLastMinute);
        Assert.Equal("a", Next(router.Plan(snapshot, snapshot.Models["m"], snapshot.Models["m"].Deployments, null, 60)).Deployment.ChannelId);
        Assert.Equal("b", Next(router.Plan(snapshot, snapshot.Models["m"], snapshot.Models["m"].Deployments, null, 60)).Deployment.ChannelId);
    }

    [Fact]
    public void Reload_KeepsHealthOfUnchangedChannels_ResetsChangedOnes()
    {
        var models = """
              - name: m
                deployments: [{ channel: a, model: x }, { channel: b, model: x }]
            """;
        var before = Snapshot(models);
        var router = NewRouter();
        Fail(router, before, "a", 1, UpstreamFailure.Credentials);
        Fail(router, before, "b", 1, UpstreamFailure.RateLimited, retryAfter: 60);

        var same = Snapshot(models);
        Assert.False(_health.DescribeChannel(same, "a")!.Enabled);
        Assert.Equal("retry_after", _health.DescribeChannel(same, "b")!.Deployments[0].State);

        var newKey = Snapshot(models, keyEnv: "K2");
        Assert.True(_health.DescribeChannel(newKey, "a")!.Enabled);
        Assert.Equal("retry_after", _health.DescribeChannel(newKey, "b")!.Deployments[0].State);
    }

    [Theory]
    [InlineData(401, UpstreamFailure.Credentials, true)]
    [InlineData(403, UpstreamFailure.Credentials, true)]
    [InlineData(404, UpstreamFailure.NotFound, true)]
    [InlineData(408, UpstreamFailure.Timeout, true)]
    [InlineData(409, UpstreamFailure.ServerError, true)]
    [InlineData(429, UpstreamFailure.RateLimited, true)]
    [InlineData(500, UpstreamFailure.ServerError, true)]
    [InlineData(529, UpstreamFailure.Overloaded, true)]
    [InlineData(400, UpstreamFailure.Rejected, false)]
    [InlineData(413, UpstreamFailure.Rejected, false)]
    [InlineData(422, UpstreamFailure.Rejected, false)]
    public void Classifier_StatusToFailureAndRetry(int status, UpstreamFailure expected, bool retryable)
    {
        var error = Candor.Protocols.Codecs.UpstreamErrors.FromStatus(status, null, null);
        var failure = FailureClassifier.FromStatus(status, error);
        Assert.Equal(expected, failure);
        Assert.Equal(retryable, FailureClassifier.IsRetryable(failure));
    }

    [Fact]
    public void Classifier_AnthropicOverloadedIn503IsOverloaded()
    {
        var error = Candor.Protocols.Codecs.UpstreamErrors.FromStatus(503, "overloaded_error", null);
        Assert.Equal(UpstreamFailure.Overloaded, FailureClassifier.FromStatus(503, error));
    }
}
