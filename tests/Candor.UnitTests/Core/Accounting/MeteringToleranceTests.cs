using System.Globalization;
using Candor.Core.Accounting;
using Candor.Core.Configuration;
using Candor.Protocols.Canonical;
using Xunit.Abstractions;

namespace Candor.UnitTests.Core.Accounting;

/// <summary>Usage tolerance per tokenizer family, measured and applied. The corpus: every answer with its vendor-reported
/// output tokens recorded in the public VCR cassettes of genai-impact/ecologits (tests/cassettes: real OpenAI, Anthropic,
/// Gemini, Mistral and Llama responses), 15 distinct answers. Candor's count of each answer must lie within its family's
/// default tolerance of the vendor's figure; the printed difference is the measurement docs/billing.md reports.</summary>
public sealed class MeteringToleranceTests(ITestOutputHelper output)
{
    private static readonly TokenCounter Counter = new();

    [Theory]
    [InlineData("claude-3-5-sonnet-20240620", 43, "Hello! It's great to meet you. How can I assist you today? Feel free to ask me anything you'd like - I'm here to help with a wide range of topics and tasks.")]
    [InlineData("claude-3-5-sonnet-20240620", 35, "Hello! It's nice to meet you. How can I assist you today? Is there anything specific you'd like to chat about or any questions you have?")]
    [InlineData("gemini-2.5-flash-lite", 15, "Why don't scientists trust atoms?\n\nBecause they make up everything!")]
    [InlineData("mistral-small", 13, "Hello! 😊 How can I assist you today?")]
    [InlineData("mistral-tiny", 18, "Hello there! It's nice to meet you. How can I assist you today?")]
    [InlineData("claude-3-5-sonnet-20240620", 19, "Hello! It's nice to meet you. How can I assist you today?")]
    [InlineData("claude-3-5-sonnet-20240620", 43, "Hello! It's nice to meet you. How can I assist you today? Feel free to ask me any questions or let me know if there's anything you'd like to discuss or learn about.")]
    [InlineData("gemini-2.5-flash-lite", 18, "Why did the scarecrow win an award?\n\nBecause he was outstanding in his field!")]
    [InlineData("meta-llama/Meta-Llama-3-8B-Instruct", 4, "Hello World!")]
    [InlineData("mistral-tiny", 17, "Hello! It's nice to meet you. How can I help you today?")]
    [InlineData("mistral-tiny", 36, "Hello there! It's nice to meet you. I'm here to help answer your questions and assist you in any way I can. How can I assist you today?")]
    [InlineData("gpt-4o-mini-2024-07-18", 9, "Hello! How can I assist you today?")]
    [InlineData("gpt-3.5-turbo-0125", 10, "Hello there! How can I assist you today?")]
    [InlineData("gpt-3.5-turbo-0125", 9, "Hello! How can I assist you today?")]
    [InlineData("gpt-4.1-nano-2025-04-14", 9, "Hello! How can I assist you today?")]
    public void RecordedVendorUsage_IsWithinTheFamilysDefaultTolerance(string model, int reported, string text)
    {
        var counted = Counter.Count(model, text);
        var family = TokenizerFamily.Of(model);
        var tolerance = MeteringSettings.Default.ToleranceFor(model);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{family}\t{model}\treported {reported}\tcounted {counted}\tdifference {reported - counted} ({(double)(reported - counted) / counted:P0})"));
        Assert.False(tolerance.IsExceeded(reported - counted, counted), $"{model}: reported {reported}, counted {counted}");
        if (family == TokenizerFamily.OpenAI)
        {
            Assert.Equal(reported, counted); // the exact tokenizer matches the vendor's output count
        }
    }

    [Theory]
    [InlineData("gpt-4o", "openai")]
    [InlineData("claude-sonnet-4-5", "anthropic")]
    [InlineData("anthropic/claude-3-5-haiku", "anthropic")]
    [InlineData("models/gemini-2.5-flash", "gemini")]
    [InlineData("deepseek-chat", "deepseek")]
    [InlineData("qwen-max", "qwen")]
    [InlineData("mistral-small", "other")]
    public void Family_OfModelNames(string model, string family) => Assert.Equal(family, TokenizerFamily.Of(model));

    private static Usage Reported(int input, int output) => new() { InputTokens = input, OutputTokens = output };

    [Fact]
    public void LesserPolicy_OverReportBeyondTolerance_BillsTheCountAndSaysSo()
    {
        // The case: 46 reported for 25 counted on an Anthropic model (30 % + 12 allows 19.5).
        var tolerance = MeteringSettings.Default.ToleranceFor("claude-sonnet-4-5");
        var lesser = BillingPolicy.Decide(Reported(100, 46), 100, 25, StreamOutcome.Completed, tolerance, BillingFigures.LesserOfReportedAndCounted);
        Assert.Equal(25, lesser.Billed.OutputTokens);
        Assert.Equal(FigureSource.Own, lesser.OutputSource);
        Assert.True(lesser.BilledLesser);
        Assert.True(lesser.ExceedsTolerance);

        var reported = BillingPolicy.Decide(Reported(100, 46), 100, 25, StreamOutcome.Completed, tolerance);
        Assert.Equal(46, reported.Billed.OutputTokens);
        Assert.False(reported.BilledLesser);
        Assert.True(reported.ExceedsTolerance);
    }

    [Fact]
    public void LesserPolicy_WithinTolerance_OrUnderReport_BillsTheReport()
    {
        var tolerance = MeteringSettings.Default.ToleranceFor("claude-sonnet-4-5");
        var within = BillingPolicy.Decide(Reported(100, 30), 100, 25, StreamOutcome.Completed, tolerance, BillingFigures.LesserOfReportedAndCounted);
        Assert.Equal(30, within.Billed.OutputTokens);
        Assert.False(within.BilledLesser);

        // An upstream that reports less than Candor counted is billed its own (lesser) figure: nothing to flag as lesser.
        var under = BillingPolicy.Decide(Reported(100, 10), 100, 80, StreamOutcome.Completed, tolerance, BillingFigures.LesserOfReportedAndCounted);
        Assert.Equal(10, under.Billed.OutputTokens);
        Assert.False(under.BilledLesser);
    }

    [Fact]
    public void LesserPolicy_HiddenReasoning_CountsTowardTheCountedFigure()
    {
        // 2,000 reasoning tokens the client never saw: the counted figure is 290 + 2,000, close to the report.
        var lesser = BillingPolicy.Decide(
            new Usage { InputTokens = 500, OutputTokens = 2300, ReasoningTokens = 2000 }, 480, 290, StreamOutcome.Completed,
            MeteringTolerance.Exact, BillingFigures.LesserOfReportedAndCounted);
        Assert.Equal(2300, lesser.Billed.OutputTokens);
        Assert.False(lesser.BilledLesser);
    }

    [Fact]
    public void LesserPolicy_InflatedInput_BillsTheCountedInput()
    {
        var lesser = BillingPolicy.Decide(Reported(5000, 10), 1000, 10, StreamOutcome.Completed, MeteringTolerance.Exact, BillingFigures.LesserOfReportedAndCounted);
        Assert.Equal(1000, lesser.Billed.InputTokens);
        Assert.True(lesser.BilledLesser);
    }

    [Fact]
    public void Config_MeteringSection_IsRead_UnknownFamilyRefused()
    {
        var config = Load("""
            metering:
              policy: lesser_of_reported_and_counted
              tolerance:
                anthropic: { percent: 20, tokens: 8 }
            """);
        Assert.Equal(BillingFigures.LesserOfReportedAndCounted, config.Metering.Policy);
        Assert.Equal(new MeteringTolerance(20, 8), config.Metering.ToleranceFor("claude-sonnet-4-5"));
        Assert.Equal(new MeteringTolerance(5, 16), config.Metering.ToleranceFor("gpt-4o"));

        var e = Assert.Throws<ConfigException>(() => Load("""
            metering:
              tolerance:
                llama: { percent: 20 }
            """));
        Assert.Contains("metering.tolerance.llama: unknown tokenizer family", e.Message, StringComparison.Ordinal);
    }

    private static CandorConfig Load(string metering) =>
        new ConfigLoader(new HashSet<string> { "openai" }, n => n == "K" ? "sk-up" : "sk-client-0123456789abcdef").Load("""
        channels:
          - { id: a, provider: openai, base_url: "https://a.example/v1", api_key_env: K }
        models:
          - { name: m, deployments: [{ channel: a, model: gpt-4o }] }
        keys:
          - { name: k, key_env: C }

        """ + metering, "t.yaml");
}
