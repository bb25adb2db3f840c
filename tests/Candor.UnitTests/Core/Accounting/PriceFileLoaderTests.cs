using Candor.Core.Accounting;
using Candor.Core.Configuration;

namespace Candor.UnitTests.Core.Accounting;

public sealed class PriceFileLoaderTests
{
    [Fact]
    public void DecimalText_ParsesExactlyToMicros()
    {
        var table = PriceFileLoader.Load("""
            models:
              m:
                input: 2.50
                output: "10"
                cached_input: 0.075
                cache_write: 0.000001
                reasoning: 12.3400000
                per_request: 0.01
            """, "t.yaml");
        var price = table.Find("m")!;
        Assert.Equal(2_500_000, price.InputPerMillion);
        Assert.Equal(10_000_000, price.OutputPerMillion);
        Assert.Equal(75_000, price.CachedInputPerMillion);
        Assert.Equal(1, price.CacheWritePerMillion);
        Assert.Equal(12_340_000, price.ReasoningPerMillion);
        Assert.Equal(10_000, price.PerRequest);
    }

    [Fact]
    public void OmittedFigures_TakeTheListDefaults()
    {
        var price = PriceFileLoader.Load("models:\n  m: { input: 1, output: 4 }\n", "t.yaml").Find("m")!;
        Assert.Equal(1_000_000, price.CachedInputPerMillion);
        Assert.Equal(1_000_000, price.CacheWritePerMillion);
        Assert.Equal(4_000_000, price.ReasoningPerMillion);
        Assert.Equal(0, price.PerRequest);
    }

    [Theory]
    [InlineData("models:\n  m: { input: 2.5000001, output: 1 }\n", "t.yaml:2:15: models.m.input:", "more precision")]
    [InlineData("models:\n  m: { input: -1, output: 1 }\n", "t.yaml:2:15: models.m.input:", "negative")]
    [InlineData("models:\n  m: { input: 1e-6, output: 1 }\n", "t.yaml:2:15: models.m.input:", "plain decimal")]
    [InlineData("models:\n  m: { input: 1,5, output: 1 }\n", "t.yaml:2:", "")]
    [InlineData("models:\n  m: { input: 1 }\n", "t.yaml:2:6: models.m:", "'output' is required")]
    [InlineData("models:\n  m:\n    input: 1\n    output: 1\n    cachd_input: 1\n", "t.yaml:5:5: models.m.cachd_input:", "unknown field")]
    [InlineData("prices:\n  m: 1\n", "t.yaml:1:1: prices:", "unknown section")]
    [InlineData("models:\n  m: { input: 1, output: 1, channels: { c: { aliases: [x] } } }\n", "t.yaml:2:46: models.m.channels.c.aliases:", "unknown field")]
    [InlineData("models:\n  m: { input: 1000001, output: 1 }\n", "t.yaml:2:15: models.m.input:", "largest")]
    [InlineData("groups:\n  vip: 1001\n", "t.yaml:2:8: groups.vip:", "1000")]
    [InlineData("models:\n  m: { input: [1], output: 1 }\n", "t.yaml:2:15: models.m.input:", "expected a value")]
    [InlineData("models: [1, 2]\n", "t.yaml:1:9: models:", "expected a mapping")]
    [InlineData("models:\n  m: { input: 1, output: 1\n", "t.yaml:", "invalid YAML")]
    public void Faults_NameFileLineAndColumn(string yaml, string prefix, string fragment)
    {
        var e = Assert.Throws<ConfigException>(() => PriceFileLoader.Load(yaml, "t.yaml"));
        Assert.StartsWith(prefix, e.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateModel_IsRefusedWithItsPosition()
    {
        var e = Assert.Throws<ConfigException>(() => PriceFileLoader.Load("models:\n  m: { input: 1, output: 1 }\n  m: { input: 2, output: 2 }\n", "t.yaml"));
        Assert.StartsWith("t.yaml:3:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChannelOverride_InheritsUnsetFieldsFromTheModel()
    {
        var table = PriceFileLoader.Load("""
            models:
              m:
                input: 1
                output: 4
                cached_input: 0.1
                channels:
                  azure: { input: 1.1 }
            """, "t.yaml");
        var azure = table.Find("m", "azure")!;
        Assert.Equal(1_100_000, azure.InputPerMillion);
        Assert.Equal(4_000_000, azure.OutputPerMillion);
        Assert.Equal(100_000, azure.CachedInputPerMillion);
        Assert.Equal(1_000_000, table.Find("m", "other")!.InputPerMillion);
        Assert.Equal(1_000_000, table.Find("m")!.InputPerMillion);
    }

    [Fact]
    public void Lookup_FindsAliasesAndDatedSnapshots()
    {
        var table = PriceFileLoader.Load("models:\n  gpt-4o: { input: 2.5, output: 10, aliases: [chatgpt-4o-latest] }\n  claude-sonnet-4-5: { input: 3, output: 15 }\n", "t.yaml");
        Assert.NotNull(table.Find("chatgpt-4o-latest"));
        Assert.NotNull(table.Find("gpt-4o-2024-08-06"));
        Assert.NotNull(table.Find("claude-sonnet-4-5-20250929"));
        Assert.Null(table.Find("gpt-4o-mini"));
        Assert.Null(table.Find("GPT-4O"));
    }

    [Fact]
    public void Overlay_LaterEntriesWinWhole_AndGroupsMerge()
    {
        var shipped = PriceFileLoader.Load("models:\n  a: { input: 1, output: 2, channels: { c: { input: 9 } } }\n  b: { input: 1, output: 2 }\ngroups:\n  vip: 0.8\n  staff: 0\n", "default");
        var op = PriceFileLoader.Load("models:\n  a: { input: 3, output: 4 }\n  z: { input: 5, output: 6 }\ngroups:\n  vip: 0.5\n", "op");
        var table = shipped.Overlay(op);
        Assert.Equal(3_000_000, table.Find("a", "c")!.InputPerMillion); // the channel override went with the old entry
        Assert.Equal(1_000_000, table.Find("b")!.InputPerMillion);
        Assert.Equal(5_000_000, table.Find("z")!.InputPerMillion);
        Assert.Equal(500_000, table.MultiplierFor("vip").PartsPerMillion);
        Assert.Equal(0, table.MultiplierFor("staff").PartsPerMillion);
        Assert.Equal(PriceMultiplier.One, table.MultiplierFor("unknown"));
        Assert.Equal(PriceMultiplier.One, table.MultiplierFor(null));
    }

    [Fact]
    public void ShippedFile_LoadsAndPricesTheMajorModels()
    {
        var table = PriceFileLoader.LoadDefault();
        foreach (string model in new[] { "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o3", "o4-mini", "gpt-5", "gpt-5-mini", "gpt-5-nano", "claude-opus-4-5", "claude-sonnet-4-5", "claude-haiku-4-5", "gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "deepseek-chat", "deepseek-reasoner", "qwen-max", "kimi-k2-0905-preview", "glm-4.6" })
        {
            var price = table.Find(model);
            Assert.True(price is not null, model);
            Assert.True(price.InputPerMillion > 0 && price.OutputPerMillion > 0, model);
            Assert.True(price.CachedInputPerMillion <= price.InputPerMillion, model);
        }

        var sonnet = table.Find("claude-sonnet-4-5-20250929")!;
        Assert.Equal((3_000_000L, 3_750_000L, 300_000L, 15_000_000L), (sonnet.InputPerMillion, sonnet.CacheWritePerMillion, sonnet.CachedInputPerMillion, sonnet.OutputPerMillion));
        Assert.Equal(28_000, table.Find("deepseek-chat")!.CachedInputPerMillion);
    }

    [Fact]
    public void LayeredFiles_OverrideTheShippedPrices()
    {
        string path = Path.Combine(Path.GetTempPath(), $"candor-prices-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "models:\n  gpt-4o: { input: 2, output: 8 }\ngroups:\n  partner: 0.9\n");
        try
        {
            var table = PriceFileLoader.LoadLayered([path]);
            Assert.Equal(2_000_000, table.Find("gpt-4o")!.InputPerMillion);
            Assert.Equal(2_000_000, table.Find("gpt-4o")!.CachedInputPerMillion);
            Assert.Equal(900_000, table.MultiplierFor("partner").PartsPerMillion);
            Assert.NotNull(table.Find("claude-haiku-4-5"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MissingFile_IsAConfigError()
    {
        var e = Assert.Throws<ConfigException>(() => PriceFileLoader.LoadFile("/nonexistent/prices.yaml"));
        Assert.StartsWith("/nonexistent/prices.yaml: cannot read", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("2.5", 2_500_000)]
    [InlineData("0.000001", 1)]
    [InlineData(".5", 500_000)]
    [InlineData("5.", 5_000_000)]
    [InlineData("1.1000000000", 1_100_000)]
    [InlineData("9223372036854", 9_223_372_036_854_000_000)]
    [InlineData("9223372036854.775807", long.MaxValue)]
    public void Micros_ParseExactly(string text, long expected)
    {
        Assert.True(Micros.TryParse(text, out long value, out _));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("1.2.3")]
    [InlineData("+1")]
    [InlineData("1_000")]
    [InlineData(" 1")]
    [InlineData("0.0000001")]
    [InlineData("9223372036855")]
    [InlineData("9223372036854.9")]
    [InlineData("NaN")]
    public void Micros_RefuseInexactOrMalformedText(string text) =>
        Assert.False(Micros.TryParse(text, out _, out _));

    [Theory]
    [InlineData(0, "0")]
    [InlineData(2_500_000, "2.5")]
    [InlineData(125, "0.000125")]
    [InlineData(10_000_000, "10")]
    public void Micros_FormatShortest(long value, string expected) => Assert.Equal(expected, Micros.Format(value));
}
