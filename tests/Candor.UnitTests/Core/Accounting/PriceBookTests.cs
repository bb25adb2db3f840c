using Candor.Core.Accounting;

namespace Candor.UnitTests.Core.Accounting;

public sealed class PriceBookTests
{
    private static readonly PriceTable Configured = PriceFileLoader.Load("""
        models:
          gpt-4o:
            input: 2.50
            cached_input: 1.25
            output: 10
            aliases: [gpt-4o-latest]
            channels:
              azure: { input: 2.75 }
        groups:
          partner: 0.8
        """, "test.yaml");

    [Fact]
    public void ModelOverride_ReplacesThePrice_KeepsChannelsAndAliases()
    {
        var stored = new StoredPrices([new PriceOverride("gpt-4o", null) { Input = 5_000_000, Output = 20_000_000 }], new Dictionary<string, PriceMultiplier>(), 1);
        var table = PriceBook.Build(Configured, stored);

        Assert.Equal(ModelPrice.Create(5_000_000, 20_000_000), table.Find("gpt-4o"));
        Assert.Equal(ModelPrice.Create(5_000_000, 20_000_000), table.Find("gpt-4o-latest"));
        Assert.Equal(2_750_000, table.Find("gpt-4o", "azure")!.InputPerMillion);
    }

    [Fact]
    public void ChannelOverride_InheritsTheModelsFigures_AndNeedsAModelPrice()
    {
        var stored = new StoredPrices(
            [
                new PriceOverride("gpt-4o", "east") { Output = 12_000_000 },
                new PriceOverride("unknown-model", "east") { Input = 1, Output = 1 },
            ],
            new Dictionary<string, PriceMultiplier> { ["partner"] = new(500_000), ["gold"] = new(900_000) }, 2);
        var table = PriceBook.Build(Configured, stored);

        Assert.Equal(ModelPrice.Create(2_500_000, 12_000_000, cachedInput: 1_250_000, cacheWrite: 2_500_000, reasoning: 10_000_000), table.Find("gpt-4o", "east"));
        Assert.Equal(table.Find("gpt-4o"), table.Find("gpt-4o", "west"));
        Assert.Null(table.Find("unknown-model", "east"));
        Assert.Equal(new PriceMultiplier(500_000), table.MultiplierFor("partner"));
        Assert.Equal(new PriceMultiplier(900_000), table.MultiplierFor("gold"));
    }

    [Theory]
    [InlineData(null, 1L, "input_per_million_micros")]
    [InlineData(1L, null, "output_per_million_micros")]
    [InlineData(-1L, 1L, "input_per_million_micros")]
    [InlineData(1L, ModelPrice.MaxMicros + 1, "output_per_million_micros")]
    public void InvalidOverride_NamesTheField(long? input, long? output, string field)
    {
        var problem = new PriceOverride("m", null) { Input = input, Output = output }.Validate();
        Assert.Equal(field, problem?.Field);
    }

    [Fact]
    public void List_NamesEachRowsLayer()
    {
        var files = PriceFileLoader.Load("models:\n  my-model: { input: 1, output: 2 }\n", "ops.yaml");
        var book = new PriceBook(Configured, files, store: null);
        var rows = book.List();

        Assert.Equal(PriceSource.Default, rows.Single(r => r.Model == "gpt-4o" && r.Channel is null).Source);
        Assert.Equal(PriceSource.Default, rows.Single(r => r.Model == "gpt-4o" && r.Channel == "azure").Source);
        Assert.Equal(PriceSource.File, rows.Single(r => r.Model == "my-model").Source);
    }
}
