namespace Candor.Core.Accounting;

/// <summary>An exact price multiplier in parts per million (1,000,000 = 1×, 800,000 = 0.8×), applied to a
/// whole charge. Account groups carry one.</summary>
/// <param name="PartsPerMillion">The factor times one million; between 0 and <see cref="MaxPartsPerMillion"/>.</param>
internal readonly record struct PriceMultiplier(long PartsPerMillion)
{
    /// <summary>The largest accepted multiplier, 1000×; it bounds the arithmetic far from overflow.</summary>
    public const long MaxPartsPerMillion = 1000 * Micros.PerUnit;

    /// <summary>1×: the list price.</summary>
    public static PriceMultiplier One { get; } = new(Micros.PerUnit);

    /// <summary>Parses decimal text such as "0.8" or "1.25" exactly.</summary>
    /// <exception cref="FormatException">The text is not a decimal with at most six fraction digits within 0..1000.</exception>
    public static PriceMultiplier Parse(string text)
    {
        if (!Micros.TryParse(text, out long ppm, out string? error))
        {
            throw new FormatException(error);
        }

        if (ppm > MaxPartsPerMillion)
        {
            throw new FormatException($"'{text}' exceeds the largest multiplier, 1000");
        }

        return new PriceMultiplier(ppm);
    }

    /// <inheritdoc/>
    public override string ToString() => Micros.Format(PartsPerMillion) + "x";
}
