using Candor.Core.Admission;
using Candor.Core.Import;
using Candor.Core.Security;

namespace Candor.UnitTests.Core.Import;

public sealed class ImportMapperTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 5, 0, 0, TimeSpan.Zero);

    private static ImportPlan Map(SourceDatabase source, decimal quotaPerUsd = ImportSettings.DefaultQuotaPerUsd, ImportFlavor flavor = ImportFlavor.OneApi,
        IReadOnlyDictionary<string, string>? imported = null) =>
        new ImportMapper(new ImportSettings { Flavor = flavor, Source = "one-api", QuotaPerUsd = quotaPerUsd, Now = Now },
            new KeyHasher(new byte[32]), new MasterKeyRing(new Dictionary<uint, byte[]> { [1] = new byte[32] }))
            .Map(source, imported ?? new Dictionary<string, string>());

    [Theory]
    [InlineData(1, 500_000, 2)]
    [InlineData(5_000_000, 500_000, 10_000_000)]
    [InlineData(1, 3, 333_333)]      // 0.333333… → rounds down
    [InlineData(2, 3, 666_667)]      // 0.666666… → rounds up
    [InlineData(1, 2_000_000, 1)]    // exactly 0.5 micro-USD → away from zero
    [InlineData(-1, 2_000_000, -1)]
    public void QuotaToMicros_RoundsToTheNearestMicroUsd_HalvesAwayFromZero(long quota, long quotaPerUsd, long micros) =>
        Assert.Equal(micros, ImportMapper.QuotaToMicros(quota, quotaPerUsd));

    [Fact]
    public void Ratios_BecomePricesAndMultipliers_AtTheQuotaRate()
    {
        var plan = Map(new SourceDatabase
        {
            Options = new Dictionary<string, string>
            {
                ["ModelRatio"] = """{"gpt-4o-mini":0.075,"o1":7.5,"no-completion":1}""",
                ["CompletionRatio"] = """{"gpt-4o-mini":4,"o1":4}""",
                ["GroupRatio"] = """{"default":1,"vip":0.85,"huge":5000}""",
            },
        });

        var mini = plan.Prices.Single(p => p.SourceId == "gpt-4o-mini").Price;
        Assert.Equal(150_000, mini.Input);   // 0.075 quota per token × 10^6 tokens ÷ 500,000 quota per USD = 0.15 USD
        Assert.Equal(600_000, mini.Output);
        Assert.Equal(15_000_000, plan.Prices.Single(p => p.SourceId == "o1").Price.Input);
        Assert.Equal(2_000_000, plan.Prices.Single(p => p.SourceId == "no-completion").Price.Output);
        Assert.Contains(plan.Issues, i => i.SourceId == "no-completion" && i.Imported);
        Assert.Equal(850_000, plan.Groups.Single(g => g.Group == "vip").Multiplier.PartsPerMillion);
        Assert.Contains(plan.Issues, i => i.SourceId == "huge" && !i.Imported);

        // The same ratios at 1,000,000 quota per USD cost half.
        Assert.Equal(75_000, Map(new SourceDatabase { Options = new Dictionary<string, string> { ["ModelRatio"] = """{"m":0.075}""" } }, 1_000_000m).Prices[0].Price.Input);
    }

    [Fact]
    public void Channels_HighestSourcePriorityIsTierZero_AndTheBaseUrlGetsTheProviderPath()
    {
        SourceDatabase.Channel Channel(long id, int type, long priority, string? baseUrl) =>
            new(id, type, "sk-x", 1, "c", 0, baseUrl, "m", "default", null, priority, null, 0, []);
        var plan = Map(new SourceDatabase
        {
            Channels = [Channel(1, 1, 0, "https://proxy.example.com/"), Channel(2, 14, 100, ""), Channel(3, 36, 5, null), Channel(4, 1, 100, "https://up.example.com/v1")],
        });

        var byId = plan.Channels.ToDictionary(c => c.SourceId);
        Assert.Equal("https://proxy.example.com/v1", byId["1"].Channel.BaseUrl.ToString().TrimEnd('/'));
        Assert.Equal("https://api.anthropic.com/", byId["2"].Channel.BaseUrl.ToString());
        Assert.Equal("https://up.example.com/v1", byId["4"].Channel.BaseUrl.ToString().TrimEnd('/'));
        Assert.Equal([0, 0, 1, 2], new[] { byId["2"], byId["4"], byId["3"], byId["1"] }.Select(c => c.Deployments[0].Priority));
        Assert.All(plan.Channels, c => Assert.NotNull(c.Channel.SealedCredential));
    }

    [Fact]
    public void RowsImportedBefore_AreCountedNotPlanned_AndTheirTokensStillFindTheirAccount()
    {
        var source = new SourceDatabase
        {
            Users = [new(1, "alice", "", "", 1, 1, 100, "default", false)],
            Tokens = [new(9, 1, new string('k', 48), 1, "t", 0, -1, 0, true, null, null, null, false)],
        };
        var plan = Map(source, imported: new Dictionary<string, string> { ["user:1"] = "acct_existing" });

        Assert.Empty(plan.Accounts);
        Assert.Equal(1, plan.AlreadyImported["user"]);
        Assert.Equal("acct_existing", Assert.Single(plan.Keys).AccountId);
        Assert.Equal(new KeyHasher(new byte[32]).Hash("sk-" + new string('k', 48)), plan.Keys[0].Hash);
    }
}
