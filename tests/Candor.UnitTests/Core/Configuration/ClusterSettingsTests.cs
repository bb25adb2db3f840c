using Candor.Core.Configuration;

namespace Candor.UnitTests.Core.Configuration;

public sealed class ClusterSettingsTests
{
    private const string Rest = """
        channels:
          - { id: oa, provider: openai, base_url: "https://api.openai.com/v1/", api_key_env: OPENAI_KEY }
        models:
          - { name: gpt, deployments: [{ channel: oa, model: gpt-4o-mini }] }
        keys:
          - { name: dev, key_env: CLIENT_KEY }
        """;

    private static CandorConfig Load(string cluster) =>
        new ConfigLoader(new HashSet<string> { "openai" }, n => n is "OPENAI_KEY" or "CLIENT_KEY" ? "sk-0123456789abcdefghij" : null)
            .Load(Rest + "\n" + cluster, "test.yaml");

    [Fact]
    public void Absent_IsOneNodeWithItsOwnLimits()
    {
        var cluster = Load("").Cluster;
        Assert.Null(cluster.Redis);
        Assert.Equal(1, cluster.Nodes);
    }

    [Fact]
    public void RedisAndNodes_AreRead()
    {
        var cluster = Load("cluster: { redis: \"redis.internal:6380,ssl=true\", nodes: 3 }").Cluster;
        Assert.Equal("redis.internal:6380,ssl=true", cluster.Redis);
        Assert.Equal(3, cluster.Nodes);
    }

    [Theory]
    [InlineData("cluster: { redis: \"r:6379,password=hunter2\" }", "cluster.redis: expected host:port (the password comes from CANDOR_REDIS_PASSWORD")]
    [InlineData("cluster: { nodes: 0 }", "cluster.nodes: expected an integer")]
    [InlineData("cluster: { leader: a }", "cluster.leader: unknown setting (expected redis, nodes, log)")]
    public void InvalidSettings_StopTheStartWithTheirPath(string cluster, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => Load(cluster));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
    }
}
