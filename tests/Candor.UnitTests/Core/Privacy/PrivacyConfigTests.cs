using Candor.Core.Configuration;
using Candor.Core.Privacy;

namespace Candor.UnitTests.Core.Privacy;

public sealed class PrivacyConfigTests
{
    private static readonly HashSet<string> Providers = ["openai"];

    private static CandorConfig Load(string yaml) =>
        new ConfigLoader(Providers, n => n == "CLIENT_KEY" ? "sk-client-0123456789abcdef" : null).Load(yaml, "p.yaml");

    private const string Base = """
        channels:
          - id: cn-zdr
            provider: openai
            base_url: https://a.example/v1
            region: CN
            data_policy: { retention: none, training: never }
          - id: plain
            provider: openai
            base_url: https://b.example/v1
        models:
          - name: m
            deployments: [{ channel: cn-zdr, model: x }, { channel: plain, model: x }]
        keys:
          - name: k
            key_env: CLIENT_KEY
            privacy: { routing: { never_train: true } }
        """;

    [Fact]
    public void ChannelPolicies_AreParsed_AndUndeclaredIsLeastPrivate()
    {
        var config = Load(Base);
        Assert.Equal(new ChannelDataPolicy("cn", UpstreamRetention.None, TrainingUse.Never), config.Channels[0].DataPolicy);
        Assert.Equal(ChannelDataPolicy.Undeclared, config.Channels[1].DataPolicy);
        Assert.Equal(RetentionMode.None, config.Privacy.Retention);
        Assert.True(DataPolicyRequirements.IsOpen(config.Privacy.Routing));
        Assert.True(config.Keys[0].Routing!.NeverTrain);
        Assert.False(config.Keys[0].Routing!.ZeroRetentionOnly);
    }

    [Fact]
    public void PrivacySection_SetsRetentionRoutingAndHistory()
    {
        var config = Load(Base + """

            privacy:
              retention: account_history
              routing: { regions: [cn, EU], zero_retention: true }
              history: { retention_days: 7 }
            """);
        Assert.Equal(RetentionMode.AccountHistory, config.Privacy.Retention);
        Assert.Equal(["cn", "eu"], config.Privacy.Routing.Regions!.Order().ToArray());
        Assert.True(config.Privacy.Routing.ZeroRetentionOnly);
        Assert.False(config.Privacy.Routing.NeverTrain);
        Assert.Equal(7, config.Privacy.HistoryRetentionDays);
    }

    [Theory]
    [InlineData("privacy:\n  retention: some", "p.yaml:18:14: privacy.retention: unknown retention mode")]
    [InlineData("privacy:\n  retention: off", "p.yaml:18:14: privacy.retention: unknown retention mode")]
    [InlineData("privacy:\n  retension: none", "p.yaml:18:3: privacy.retension: unknown privacy setting")]
    [InlineData("privacy:\n  routing: { regions: [] }", "p.yaml:18:23: privacy.routing.regions: name at least one region")]
    [InlineData("privacy:\n  routing: { zero_retention: maybe }", "p.yaml:18:30: privacy.routing.zero_retention: expected true or false")]
    [InlineData("privacy:\n  routing: { regions: [unknown] }", "p.yaml:18:24: privacy.routing.regions[0]: expected a region code")]
    public void InvalidPrivacy_RefusesToStart_NamingThePlace(string tail, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => Load(Base + "\n" + tail));
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("retention: none, training: never", "retention: forever, training: never", "channels[0].data_policy.retention: expected one of none, limited, retains, unknown")]
    [InlineData("retention: none, training: never", "retention: none, training: sometimes", "channels[0].data_policy.training: expected one of never, opt_out, yes, unknown")]
    [InlineData("retention: none, training: never", "retention: none, trained: never", "channels[0].data_policy.trained: unknown data policy setting")]
    [InlineData("region: CN", "region: c n", "channels[0].region: expected a region code")]
    public void InvalidChannelPolicy_NamesThePlace(string from, string to, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => Load(Base.Replace(from, to, StringComparison.Ordinal)));
        Assert.Matches(@"^p\.yaml:\d+:\d+: ", e.Message);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
