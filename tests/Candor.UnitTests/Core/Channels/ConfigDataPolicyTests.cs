using Candor.Core.Configuration;
using Candor.Core.Privacy;

namespace Candor.UnitTests.Core.Channels;

/// <summary>Configuration channels declare their data policy with region and data_policy (retention, training).</summary>
public sealed class ConfigDataPolicyTests
{
    private static CandorConfig Load(string channelExtra) => new ConfigLoader(new HashSet<string> { "openai" }, n => n == "K" ? "sk-client-0123456789abcdef" : null).Load($$"""
        channels:
          - { id: oa, provider: openai, base_url: http://x/v1, region: EU{{channelExtra}} }
        models:
          - { name: m, deployments: [{ channel: oa, model: u }] }
        keys:
          - { name: k, key_env: K }
        """, "test.yaml");

    [Fact]
    public void RetentionAndTraining_SetTheDataPolicy()
    {
        var channel = Load(", data_policy: { retention: none, training: opt_out }").Channels[0];
        Assert.Equal(new ChannelDataPolicy("eu", UpstreamRetention.None, TrainingUse.OptOut), channel.DataPolicy);
        Assert.Equal(ChannelOrigin.Config, channel.Origin);
    }

    [Fact]
    public void Undeclared_IsTheLeastPrivate()
    {
        Assert.Equal(new ChannelDataPolicy("eu", UpstreamRetention.Unknown, TrainingUse.Unknown), Load("").Channels[0].DataPolicy);
    }

    [Fact]
    public void UnknownRetention_NamesThePlace()
    {
        var e = Assert.Throws<ConfigException>(() => Load(", data_policy: { retention: forever }"));
        Assert.Contains("channels[0].data_policy.retention", e.Message, StringComparison.Ordinal);
        Assert.Contains("expected one of none, limited, retains, unknown", e.Message, StringComparison.Ordinal);
    }
}
