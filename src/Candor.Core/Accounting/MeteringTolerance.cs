namespace Candor.Core.Accounting;

/// <summary>How far an upstream's reported figure may differ from Candor's own count before the discrepancy
/// is flagged: |reported − own| may be up to <see cref="AbsoluteTokens"/> + <see cref="Percent"/>% of own.
/// The absolute part absorbs framing tokens (chat templates, tool schemas) that no client-side count sees.</summary>
/// <param name="Percent">Relative allowance, whole percent of Candor's own count.</param>
/// <param name="AbsoluteTokens">Absolute allowance in tokens.</param>
internal sealed record MeteringTolerance(int Percent, int AbsoluteTokens)
{
    /// <summary>For exact tokenizers (OpenAI families): 5% + 32 tokens.</summary>
    public static MeteringTolerance Exact { get; } = new(5, 32);

    /// <summary>For estimated families (Claude, Gemini, DeepSeek…): 35% + 64 tokens.</summary>
    public static MeteringTolerance Estimate { get; } = new(35, 64);

    /// <summary>Whether a difference (reported − own, or the part of it not explained) exceeds the tolerance.</summary>
    public bool IsExceeded(long difference, long own)
    {
        long magnitude = Math.Abs(difference);
        return magnitude * 100 > ((long)AbsoluteTokens * 100) + ((long)Percent * Math.Max(own, 0));
    }
}
