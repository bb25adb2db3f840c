using Candor.Protocols.Canonical;

namespace Candor.Core.Accounting;

/// <summary>Turns billed usage into money, exactly. Each line is tokens × price per million, kept as an exact
/// integer in millionths of a micro (Int128); the lines are summed, multiplied by the group multiplier in
/// parts per million, and the result is divided by 10^12 and rounded half up ONCE, to whole micros.
/// Nothing is rounded per line, so splitting a request's tokens differently never changes its total by
/// more than the one final rounding. All arithmetic is checked; with prices up to
/// <see cref="ModelPrice.MaxMicros"/>, multipliers up to 1000× and token counts within Int32 it cannot overflow.</summary>
internal static class CostCalculator
{
    private static readonly Int128 Scale = (Int128)Micros.PerUnit * Micros.PerUnit;

    /// <summary>Prices <paramref name="usage"/> in Candor's canonical convention: InputTokens includes cached and
    /// cache-write tokens, OutputTokens includes reasoning tokens, null counts as zero. Inconsistent figures
    /// are clamped so nothing is billed twice: cached ≤ input, cache write ≤ input − cached, reasoning ≤ output.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A token figure is negative.</exception>
    public static ChargeBreakdown Compute(Usage usage, ModelPrice price, PriceMultiplier multiplier)
    {
        long input = NonNegative(usage.InputTokens, nameof(usage.InputTokens));
        long cached = Math.Min(NonNegative(usage.CachedInputTokens, nameof(usage.CachedInputTokens)), input);
        long write = Math.Min(NonNegative(usage.CacheWriteInputTokens, nameof(usage.CacheWriteInputTokens)), input - cached);
        long output = NonNegative(usage.OutputTokens, nameof(usage.OutputTokens));
        long reasoning = Math.Min(NonNegative(usage.ReasoningTokens, nameof(usage.ReasoningTokens)), output);

        var lines = new List<ChargeLine>(6);
        Add(lines, ChargeKind.UncachedInput, input - cached - write, price.InputPerMillion);
        Add(lines, ChargeKind.CachedInput, cached, price.CachedInputPerMillion);
        Add(lines, ChargeKind.CacheWrite, write, price.CacheWritePerMillion);
        Add(lines, ChargeKind.Output, output - reasoning, price.OutputPerMillion);
        Add(lines, ChargeKind.Reasoning, reasoning, price.ReasoningPerMillion);
        if (price.PerRequest > 0)
        {
            lines.Add(new ChargeLine(ChargeKind.PerRequest, 1, price.PerRequest, checked((Int128)price.PerRequest * Micros.PerUnit)));
        }

        Int128 subtotal = 0;
        foreach (var line in lines)
        {
            subtotal = checked(subtotal + line.ExactMicroMicros);
        }

        return new ChargeBreakdown
        {
            Lines = lines,
            SubtotalMicroMicros = subtotal,
            Multiplier = multiplier,
            TotalMicros = ApplyMultiplier(subtotal, multiplier, roundUp: false),
        };
    }

    /// <summary>The most a request can cost, for reserving before it is forwarded: every prompt token at the
    /// higher of the input and cache-write prices (cache reads are cheaper, so they can only lower the
    /// charge), every possible output token at the higher of the output and reasoning prices, plus the
    /// per-request fee, times the multiplier, rounded UP to whole micros. For the same token counts the
    /// settled charge is never above this figure.</summary>
    /// <param name="promptTokens">Candor's prompt estimate (the settled input can differ; see docs/billing.md).</param>
    /// <param name="maxOutputTokens">The request's output limit (or the model's, when the request sets none).</param>
    /// <param name="price">The model's price on the chosen channel.</param>
    /// <param name="multiplier">The account group's multiplier.</param>
    /// <returns>Micros to reserve.</returns>
    public static long EstimateReservation(int promptTokens, int maxOutputTokens, ModelPrice price, PriceMultiplier multiplier)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(promptTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(maxOutputTokens);
        long inputPrice = Math.Max(Math.Max(price.InputPerMillion, price.CacheWritePerMillion), price.CachedInputPerMillion);
        long outputPrice = Math.Max(price.OutputPerMillion, price.ReasoningPerMillion);
        Int128 subtotal = checked(((Int128)promptTokens * inputPrice) + ((Int128)maxOutputTokens * outputPrice) + ((Int128)price.PerRequest * Micros.PerUnit));
        return ApplyMultiplier(subtotal, multiplier, roundUp: true);
    }

    /// <summary>subtotal (millionths of a micro) × multiplier (ppm) / 10^12, rounded half up or up.</summary>
    internal static long ApplyMultiplier(Int128 subtotalMicroMicros, PriceMultiplier multiplier, bool roundUp)
    {
        if (multiplier.PartsPerMillion is < 0 or > PriceMultiplier.MaxPartsPerMillion)
        {
            throw new ArgumentOutOfRangeException(nameof(multiplier), multiplier.PartsPerMillion, "the multiplier must be between 0 and 1000x");
        }

        Int128 scaled = checked(subtotalMicroMicros * multiplier.PartsPerMillion);
        Int128 bias = roundUp ? Scale - 1 : Scale / 2;
        return checked((long)((scaled + bias) / Scale));
    }

    private static void Add(List<ChargeLine> lines, ChargeKind kind, long tokens, long unitPrice)
    {
        if (tokens > 0)
        {
            lines.Add(new ChargeLine(kind, tokens, unitPrice, checked((Int128)tokens * unitPrice)));
        }
    }

    private static long NonNegative(int? value, string name)
    {
        int v = value ?? 0;
        return v >= 0 ? v : throw new ArgumentOutOfRangeException(name, v, "token figures cannot be negative");
    }
}
