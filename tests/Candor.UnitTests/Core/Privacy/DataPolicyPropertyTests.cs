using Candor.Core.Configuration;
using Candor.Core.Privacy;

namespace Candor.UnitTests.Core.Privacy;

/// <summary>Randomized channels and requirements (seeded, so a failure reproduces): the filter never lets a
/// non-compliant deployment through, never drops a compliant one, keeps the order, and the intersection of
/// requirements is never weaker than either of them.</summary>
public sealed class DataPolicyPropertyTests
{
    private static readonly string[] Regions = ["cn", "us", "eu", "sg", "unknown"];

    private static ChannelDataPolicy RandomChannel(Random r) =>
        r.Next(6) == 0 ? ChannelDataPolicy.Undeclared
        : new(Regions[r.Next(Regions.Length)], (UpstreamRetention)r.Next(4), (TrainingUse)r.Next(4));

    private static DataPolicyRequirement RandomRequirement(Random r) =>
        new(r.Next(3) == 0 ? null : Regions[..4].Where(_ => r.Next(2) == 0).ToHashSet(), r.Next(2) == 0, r.Next(2) == 0);

    /// <summary>The specification, written independently of the implementation.</summary>
    private static bool Allowed(ChannelDataPolicy c, DataPolicyRequirement q)
    {
        if (q.Regions is not null && !q.Regions.Contains(c.Region))
        {
            return false;
        }

        if (q.ZeroRetentionOnly && c.Retention is not UpstreamRetention.None)
        {
            return false;
        }

        return !q.NeverTrain || c.Training is TrainingUse.Never;
    }

    [Fact]
    public void Filter_KeepsExactlyTheCompliantDeployments_InOrder()
    {
        var r = new Random(20261126);
        for (int round = 0; round < 5000; round++)
        {
            int n = r.Next(0, 8);
            var policies = new Dictionary<string, ChannelDataPolicy>();
            var deployments = new List<Deployment>();
            for (int i = 0; i < n; i++)
            {
                string id = "c" + i;
                policies[id] = RandomChannel(r);
                deployments.Add(new Deployment { ChannelId = r.Next(10) == 0 ? "missing" + i : id, UpstreamModel = "m" });
            }

            var requirement = RandomRequirement(r);
            var kept = DataPolicyFilter.Apply(deployments, id => policies.GetValueOrDefault(id), requirement);
            var expected = deployments.Where(d =>
                DataPolicyRequirements.IsOpen(requirement)
                || (policies.TryGetValue(d.ChannelId, out var p) && Allowed(p, requirement))).ToList();
            Assert.Equal(expected, kept);
            foreach (var d in kept)
            {
                Assert.True(DataPolicyRequirements.IsOpen(requirement) || Allowed(policies[d.ChannelId], requirement), $"round {round}: {d.ChannelId} does not comply");
            }
        }
    }

    [Fact]
    public void Intersection_IsNeverWeakerThanEitherSide()
    {
        var r = new Random(7);
        for (int round = 0; round < 5000; round++)
        {
            var a = RandomRequirement(r);
            var b = RandomRequirement(r);
            var both = DataPolicyRequirements.Intersect(a, b);
            for (int i = 0; i < 10; i++)
            {
                var channel = RandomChannel(r);
                bool viaBoth = Allowed(channel, both);
                Assert.Equal(Allowed(channel, a) && Allowed(channel, b), viaBoth);
                Assert.Equal(viaBoth, DataPolicyRequirements.Complies(channel, both));
            }
        }
    }

    [Fact]
    public void UndeclaredChannel_SatisfiesNoRequirement()
    {
        var u = ChannelDataPolicy.Undeclared;
        Assert.False(DataPolicyRequirements.Complies(u, DataPolicyRequirements.Create(["cn"], false, false)));
        Assert.False(DataPolicyRequirements.Complies(u, DataPolicyRequirements.Create(null, true, false)));
        Assert.False(DataPolicyRequirements.Complies(u, DataPolicyRequirements.Create(null, false, true)));
        Assert.True(DataPolicyRequirements.Complies(u, DataPolicyRequirement.None));
    }

    [Fact]
    public void NoCompliantDeployment_NamesTheRequirement_NotTheChannels()
    {
        var e = DataPolicyFilter.NoCompliantDeployment("gpt", DataPolicyRequirements.Create(["cn"], true, true));
        Assert.Equal(403, e.StatusCode);
        Assert.Equal("no_compliant_deployment", e.Code);
        Assert.Contains("regions=cn; upstream_retention=none; training=never", e.Message, StringComparison.Ordinal);
    }
}
