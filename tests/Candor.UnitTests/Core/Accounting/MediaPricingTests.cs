using Candor.Core.Accounting;
using Candor.Core.Configuration;

namespace Candor.UnitTests.Core.Accounting;

public sealed class MediaPricingTests
{
    private static readonly PriceTable Table = PriceFileLoader.Load("""
        models:
          img:
            per_image: 0.04
            per_image_variants: { "1024x1792": 0.08, "hd/1024x1792": 0.12, "low": 0.01 }
            per_request: 0.000001
          asr: { per_audio_second: 0.0001 }
          tts: { per_million_characters: 15 }
          rr: { per_search_unit: 0.002 }
          chat: { input: 1, output: 2 }
        """, "t.yaml");

    [Fact]
    public void Loader_MediaFiguresNeedNoTokenFigures()
    {
        var img = Table.Find("img")!;
        Assert.Equal(0, img.InputPerMillion);
        Assert.Equal(40_000, img.Media!.PerImage);
        Assert.Equal(120_000, img.Media.ImageVariants["hd/1024x1792"]);
        Assert.Equal(100, Table.Find("asr")!.Media!.PerAudioSecond);
        Assert.Equal(15_000_000, Table.Find("tts")!.Media!.PerMillionCharacters);
        Assert.Equal(2_000, Table.Find("rr")!.Media!.PerSearchUnit);
        Assert.Null(Table.Find("chat")!.Media);
    }

    [Fact]
    public void Loader_WithoutTokensOrMediaFigures_StillRequiresInput()
    {
        var e = Assert.Throws<ConfigException>(() => PriceFileLoader.Load("models:\n  x: { per_request: 1 }\n", "t.yaml"));
        Assert.Contains("'input' is required", e.Message, StringComparison.Ordinal);
        Assert.Throws<ConfigException>(() => PriceFileLoader.Load("models:\n  x: { per_image: nope }\n", "t.yaml"));
    }

    [Theory]
    [InlineData("hd", "1024x1792", 120_000)]
    [InlineData("standard", "1024x1792", 80_000)]
    [InlineData(null, "1024x1792", 80_000)]
    [InlineData("low", "512x512", 10_000)]
    [InlineData(null, null, 40_000)]
    public void ImageVariant_QualityAndSize_ThenSize_ThenQuality_ThenPerImage(string? quality, string? size, long expected) =>
        Assert.Equal(expected, new MediaUsage(MediaUsage.Image, 1, quality, size).UnitPrice(Table.Find("img")!));

    [Fact]
    public void Charges_AreExactAndRoundedOnce()
    {
        // 3 images at 0.08 plus a 1-micro fee: 240,001 micros.
        Assert.Equal(240_001, Charge(new MediaUsage(MediaUsage.Image, 3, null, "1024x1792"), "img", 3));

        // 2,501 ms at 100 micros a second: 250.1 -> 250 (half up); the reservation rounds up to 251.
        var audio = new MediaUsage(MediaUsage.AudioMilliseconds, 2_501);
        Assert.Equal(250, Charge(audio, "asr", 2_501));
        Assert.Equal(251, CostCalculator.ApplyMultiplier(audio.ExactMicroMicros(2_501, Table.Find("asr")!)!.Value, PriceMultiplier.One, roundUp: true));

        // 7 characters at 15 USD a million: 105 micros; 1 character: 15.
        Assert.Equal(105, Charge(new MediaUsage(MediaUsage.Characters, 7), "tts", 7));
        Assert.Equal(4_000, Charge(new MediaUsage(MediaUsage.SearchUnit, 2), "rr", 2));

        // A call is only the per-request fee; a price without the unit's figure prices nothing.
        Assert.Equal(0, Charge(new MediaUsage(MediaUsage.Request, 1), "chat", 1));
        Assert.Null(new MediaUsage(MediaUsage.Image, 1).ExactMicroMicros(1, Table.Find("chat")!));
    }

    [Fact]
    public void GroupMultiplier_AppliesToTheWholeSum()
    {
        var usage = new MediaUsage(MediaUsage.Image, 1);
        var exact = usage.ExactMicroMicros(1, Table.Find("img")!)!.Value;
        Assert.Equal(32_001, CostCalculator.ApplyMultiplier(exact, PriceMultiplier.Parse("0.8"), roundUp: false));
    }

    [Fact]
    public void ShippedPrices_ListTheMediaModels()
    {
        var shipped = PriceFileLoader.LoadDefault();
        Assert.Equal(80_000, new MediaUsage(MediaUsage.Image, 1, null, "1024x1792").UnitPrice(shipped.Find("dall-e-3")!));
        Assert.Equal(100, shipped.Find("whisper-1")!.Media!.PerAudioSecond);
        Assert.Equal(15_000_000, shipped.Find("tts-1")!.Media!.PerMillionCharacters);
        Assert.Equal(2_000, shipped.Find("rerank-v3.5")!.Media!.PerSearchUnit);
        Assert.Null(shipped.Find("omni-moderation-latest"));
    }

    private static long Charge(MediaUsage usage, string model, long quantity) =>
        CostCalculator.ApplyMultiplier(usage.ExactMicroMicros(quantity, Table.Find(model)!)!.Value, PriceMultiplier.One, roundUp: false);
}
