namespace Candor.Core.Accounting;

/// <summary>The <c>metering:</c> section: the tolerance per tokenizer family within which an upstream's reported usage
/// may differ from Candor's own count before it is flagged, and the billing policy for a discrepancy beyond it
/// (docs/billing.md).</summary>
internal sealed class MeteringSettings
{
    /// <summary>The default tolerance of each family (docs/billing.md, "Tolerance per tokenizer family", where the
    /// measurements behind them are): OpenAI's exact count matched every recorded output (16 tokens remain for tool framing); Claude reported 14–27 % and
    /// Gemini 6–25 % more than the o200k estimate on recorded answers; DeepSeek, Qwen and others are unmeasured and keep
    /// the general estimate's allowance.</summary>
    public static IReadOnlyDictionary<string, MeteringTolerance> Defaults { get; } = new Dictionary<string, MeteringTolerance>(StringComparer.Ordinal)
    {
        [TokenizerFamily.OpenAI] = new(5, 16),
        [TokenizerFamily.Anthropic] = new(30, 12),
        [TokenizerFamily.Gemini] = new(30, 12),
        [TokenizerFamily.DeepSeek] = MeteringTolerance.Estimate,
        [TokenizerFamily.Qwen] = MeteringTolerance.Estimate,
        [TokenizerFamily.Other] = MeteringTolerance.Estimate,
    };

    /// <summary>The settings when the section is absent.</summary>
    public static MeteringSettings Default { get; } = new();

    /// <summary>What a discrepancy beyond the tolerance bills (<c>metering.policy</c>, default <c>reported</c>).</summary>
    public BillingFigures Policy { get; init; } = BillingFigures.Reported;

    /// <summary>The tolerance per family (<c>metering.tolerance.FAMILY</c>), the defaults where not set.</summary>
    public IReadOnlyDictionary<string, MeteringTolerance> Tolerances { get; init; } = Defaults;

    /// <summary>The tolerance for an upstream model.</summary>
    public MeteringTolerance ToleranceFor(string upstreamModel) =>
        Tolerances.TryGetValue(TokenizerFamily.Of(upstreamModel), out var tolerance) ? tolerance : MeteringTolerance.Estimate;
}
