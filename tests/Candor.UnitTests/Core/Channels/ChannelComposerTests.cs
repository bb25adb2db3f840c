using System.Security.Cryptography;
using Candor.Core.Channels;
using Candor.Core.Configuration;
using Candor.Core.Privacy;
using Candor.Core.Security;

namespace Candor.UnitTests.Core.Channels;

public sealed class ChannelComposerTests
{
    private static readonly IReadOnlySet<string> Providers = new HashSet<string> { "openai", "anthropic" };
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static MasterKeyRing Ring(uint id = 1) => new(new Dictionary<uint, byte[]> { [id] = RandomNumberGenerator.GetBytes(32) });

    private static CandorConfig Config() => new()
    {
        Channels = [new ChannelSettings { Id = "file", Provider = "openai", BaseUrl = new Uri("http://file/v1"), ApiKey = "k" }],
        Models = [new ModelRoute { Name = "shared", Deployments = [new Deployment { ChannelId = "file", UpstreamModel = "up-file" }] }],
    };

    private static StoredChannel Channel(string id, MasterKeyRing ring, string? credential = "secret", bool disabled = false, string provider = "openai") => new()
    {
        Id = id,
        Provider = provider,
        BaseUrl = new Uri($"http://{id}/v1"),
        Region = "eu",
        Retention = UpstreamRetention.None,
        Training = TrainingUse.Never,
        Disabled = disabled,
        DisabledReason = disabled ? "cost" : null,
        SealedCredential = credential is null ? null : ChannelCredentials.Seal(ring, id, credential),
        CreatedAt = Now,
        UpdatedAt = Now,
    };

    private static StoredDeployment Deploy(string model, string channel, int priority = 0) => new("dep_" + channel + model, model, channel, "up-" + channel, priority, 1, Now);

    [Fact]
    public void StoredChannel_IsOpenedAndMergedIntoRoutesByPriority()
    {
        var ring = Ring();
        var stored = new StoredChannels(3, [Channel("s1", ring), Channel("s2", ring, credential: null)],
            [Deploy("shared", "s1", priority: 0), Deploy("shared", "s2", priority: -0), Deploy("only-stored", "s2"), Deploy("first", "s1", priority: 1), Deploy("first", "file", priority: 0)]);

        var overlay = ChannelComposer.Compose(Config(), stored, ring, Providers);

        var s1 = Assert.Single(overlay.Channels, c => c.Id == "s1");
        Assert.Equal("secret", s1.ApiKey);
        Assert.Equal(ChannelOrigin.Stored, s1.Origin);
        Assert.Equal(new ChannelDataPolicy("eu", UpstreamRetention.None, TrainingUse.Never), s1.DataPolicy);
        Assert.Null(Assert.Single(overlay.Channels, c => c.Id == "s2").ApiKey);
        Assert.Equal(["file", "s1", "s2"], overlay.Models.Single(m => m.Name == "shared").Deployments.Select(d => d.ChannelId));
        Assert.Equal(["file", "s1"], overlay.Models.Single(m => m.Name == "first").Deployments.Select(d => d.ChannelId));
        Assert.Equal("up-s2", overlay.Models.Single(m => m.Name == "only-stored").Deployments[0].UpstreamModel);
        Assert.Empty(overlay.Inactive);
    }

    [Fact]
    public void Unroutable_StoredChannels_AreLeftOutWithTheirReason()
    {
        var ring = Ring();
        var other = Ring(7);
        var tampered = Channel("tampered", ring) with { SealedCredential = Channel("elsewhere", ring).SealedCredential };
        var stored = new StoredChannels(1,
            [Channel("off", ring, disabled: true), Channel("file", ring), Channel("foreign", other), tampered, Channel("odd", ring, provider: "nope")],
            [Deploy("m-off", "off"), Deploy("shared", "off"), Deploy("m-foreign", "foreign")]);

        var overlay = ChannelComposer.Compose(Config(), stored, ring, Providers);

        Assert.Empty(overlay.Channels);
        Assert.Equal("disabled: cost", overlay.Inactive["off"]);
        Assert.StartsWith("shadowed", overlay.Inactive["file"], StringComparison.Ordinal);
        Assert.Contains("key 7", overlay.Inactive["foreign"], StringComparison.Ordinal);
        Assert.Contains("cannot be opened", overlay.Inactive["tampered"], StringComparison.Ordinal);
        Assert.Contains("unknown provider", overlay.Inactive["odd"], StringComparison.Ordinal);

        // A model only unroutable channels serve is not offered; the file's model keeps its own deployments.
        Assert.Empty(overlay.Models);
    }

    [Fact]
    public void NoRing_LeavesOutOnlyChannelsWithACredential()
    {
        var ring = Ring();
        var stored = new StoredChannels(1, [Channel("keyed", ring), Channel("keyless", ring, credential: null)], []);
        var overlay = ChannelComposer.Compose(Config(), stored, ring: null, Providers);
        Assert.Equal("keyless", Assert.Single(overlay.Channels).Id);
        Assert.Contains("no master key", overlay.Inactive["keyed"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("openai-eu", null)]
    [InlineData("a", null)]
    [InlineData("", "1 to 64")]
    [InlineData("Upper", "lower-case")]
    [InlineData("-lead", "starts with")]
    [InlineData("has space", "lower-case")]
    public void ChannelIds_AreChecked(string id, string? problem)
    {
        string? found = ChannelAttributes.CheckId(id);
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AttributeNames_RoundTrip()
    {
        foreach (var retention in Enum.GetValues<UpstreamRetention>())
        {
            Assert.Equal(retention, ChannelAttributes.ParseRetention(ChannelAttributes.Name(retention)));
        }

        foreach (var training in Enum.GetValues<TrainingUse>())
        {
            Assert.Equal(training, ChannelAttributes.ParseTraining(ChannelAttributes.Name(training)));
        }

        Assert.Null(ChannelAttributes.ParseRetention("forever"));
    }
}
