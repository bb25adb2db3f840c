using Candor.Core.Configuration;

namespace Candor.UnitTests.Core.Routing;

public sealed class RoutingConfigTests
{
    private static CandorConfig Load(string models, string extra = "") => new ConfigLoader(new HashSet<string> { "openai" }, n => n == "C" ? "client-key-0123456789" : "k")
        .Load($$"""
            channels:
              - { id: a, provider: openai, base_url: http://a.test/v1 }
              - { id: b, provider: openai, base_url: http://b.test/v1 }
            models:
            {{models}}
            keys:
              - { name: t, key_env: C }
            {{extra}}
            """, "test.yaml");

    [Fact]
    public void DeploymentsStrategyAndRoutingSection_AreRead()
    {
        var config = Load("""
              - name: m
                strategy: sticky
                affinity: [user, header]
                all_unhealthy: try_anyway
                deployments:
                  - { channel: a, model: x, served_model: gpt-4o, priority: 1, weight: 5, limits: { max_concurrency: 4, rpm: 60, tpm: 90000 } }
                  - { channel: b, model: x }
            """, """
            routing:
              deadline: 45s
              all_unhealthy: fail_fast
              health: { window: 30s, min_requests: 10, failure_rate: 0.25, cooldown: 2s, max_cooldown: 1m, half_open_trials: 2 }
              probes: { enabled: true, interval: 15s, timeout: 3s }
            """);
        var m = config.Models[0];
        Assert.Equal(RoutingStrategy.Sticky, m.Strategy);
        Assert.Equal([AffinitySource.User, AffinitySource.Header], m.Affinity);
        Assert.Equal(AllUnhealthyPolicy.TryAnyway, m.AllUnhealthy);
        Assert.Equal(1, m.Deployments[0].Priority);
        Assert.Equal(5, m.Deployments[0].Weight);
        Assert.Equal(new DeploymentLimits(4, 60, 90000), m.Deployments[0].Limits);
        Assert.Equal(DeploymentLimits.None, m.Deployments[1].Limits);
        Assert.Equal(1, m.Deployments[1].Weight);
        Assert.Equal("gpt-4o", m.Deployments[0].ServedModel);
        Assert.Null(m.Deployments[1].ServedModel);
        var r = config.Routing;
        Assert.Equal(TimeSpan.FromSeconds(45), r.Deadline);
        Assert.Equal(AllUnhealthyPolicy.FailFast, r.AllUnhealthy);
        Assert.Equal(10, r.Health.MinRequests);
        Assert.Equal(0.25, r.Health.FailureRate);
        Assert.Equal(2, r.Health.HalfOpenTrials);
        Assert.True(r.Probes.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(15), r.Probes.Interval);
    }

    [Fact]
    public void Defaults_PriorityStrategyFailFastNoProbes()
    {
        var config = Load("""
              - name: m
                deployments: [{ channel: a, model: x }]
            """);
        Assert.Equal(RoutingStrategy.Priority, config.Models[0].Strategy);
        Assert.Null(config.Models[0].AllUnhealthy);
        Assert.Equal(AllUnhealthyPolicy.FailFast, config.Routing.AllUnhealthy);
        Assert.False(config.Routing.Probes.Enabled);
    }

    [Theory]
    [InlineData("strategy: fastest", "test.yaml:6:15: models[0].strategy: unknown strategy")]
    [InlineData("all_unhealthy: maybe", "test.yaml:6:20: models[0].all_unhealthy: expected fail_fast or try_anyway")]
    [InlineData("affinity: cookie", "test.yaml:6:15: models[0].affinity: unknown affinity source")]
    public void BadModelSetting_NamesTheLine(string setting, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => Load($$"""
              - name: m
                {{setting}}
                deployments: [{ channel: a, model: x }]
            """));
        Assert.True(e.Message.StartsWith(expected, StringComparison.Ordinal), e.Message);
    }

    [Theory]
    [InlineData("weight: 0", "models[0].deployments[0].weight: expected an integer between 1")]
    [InlineData("priority: -1", "models[0].deployments[0].priority: expected an integer between 0")]
    [InlineData("limits: { rps: 3 }", "models[0].deployments[0].limits.rps: unknown limit")]
    [InlineData("limits: { max_concurrency: 0 }", "models[0].deployments[0].limits.max_concurrency: expected an integer between 1")]
    public void BadDeploymentSetting_IsRejected(string setting, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => Load($$"""
              - name: m
                deployments: [{ channel: a, model: x, {{setting}} }]
            """));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("test.yaml:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateDeployment_AndBadRouting_AreRejected()
    {
        var dup = Assert.Throws<ConfigException>(() => Load("""
              - name: m
                deployments: [{ channel: a, model: x }, { channel: a, model: x }]
            """));
        Assert.Contains("duplicate deployment", dup.Message, StringComparison.Ordinal);
        var rate = Assert.Throws<ConfigException>(() => Load("""
              - name: m
                deployments: [{ channel: a, model: x }]
            """, "routing: { health: { failure_rate: 2 } }"));
        Assert.Contains("routing.health.failure_rate", rate.Message, StringComparison.Ordinal);
        var unknown = Assert.Throws<ConfigException>(() => Load("""
              - name: m
                deployments: [{ channel: a, model: x }]
            """, "routing: { retries: 3 }"));
        Assert.Contains("routing.retries: unknown routing setting", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Remaining_IsZeroWhenLessThanAnAttemptWindowIsLeft()
    {
        var routing = new RoutingOptions { Deadline = TimeSpan.FromMilliseconds(700) };
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        long Ago(double ms) => now - (long)(ms / 1000 * System.Diagnostics.Stopwatch.Frequency);

        // A timer armed for the rest counts whole milliseconds: the sliver it leaves must not start another attempt.
        Assert.Equal(TimeSpan.Zero, routing.Remaining(Ago(699.5)));
        Assert.Equal(TimeSpan.Zero, routing.Remaining(Ago(800)));
        Assert.InRange(routing.Remaining(Ago(100)), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(600));
    }
}
