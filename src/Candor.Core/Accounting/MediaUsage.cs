using System.Globalization;

namespace Candor.Core.Accounting;

/// <summary>What a media request is metered in (docs/endpoints.md, "Metering"): the unit, the quantity reserved at
/// admission and the quantity billed at settlement (set by the relay from the answer; until then the reserved one), and,
/// for images, the quality and size that select the price variant. Prices come from the deployment's
/// <see cref="ModelPrice.Media"/> at settlement, as tokens do.</summary>
internal sealed class MediaUsage(string unit, long reserved, string? quality = null, string? size = null)
{
    /// <summary>Images.</summary>
    public const string Image = "image";

    /// <summary>Milliseconds of audio, priced per second.</summary>
    public const string AudioMilliseconds = "audio_ms";

    /// <summary>Characters of speech input, priced per million.</summary>
    public const string Characters = "character";

    /// <summary>Rerank search units.</summary>
    public const string SearchUnit = "search_unit";

    /// <summary>Calls (moderations: only the model's per-request fee, if any).</summary>
    public const string Request = "request";

    /// <summary>The unit (<see cref="Image"/>, <see cref="AudioMilliseconds"/>, …).</summary>
    public string Unit { get; } = unit;

    /// <summary>The quantity the reservation covers: the most the request may be billed for.</summary>
    public long Reserved { get; } = reserved;

    /// <summary>The quantity billed: what the answer showed (capped at <see cref="Reserved"/> by the relay).</summary>
    public long Billed { get; set; } = reserved;

    /// <summary>The price of one unit under <paramref name="price"/>, in micros (per image, per second, per million
    /// characters, per search unit; 0 for <see cref="Request"/>); null when the price has no figure for the unit.</summary>
    public long? UnitPrice(ModelPrice price)
    {
        ArgumentNullException.ThrowIfNull(price);
        var media = price.Media;
        return Unit switch
        {
            Image => media?.Image(quality, size),
            AudioMilliseconds => media?.PerAudioSecond,
            Characters => media?.PerMillionCharacters,
            SearchUnit => media?.PerSearchUnit,
            _ => 0,
        };
    }

    /// <summary>The exact cost of <paramref name="quantity"/> units plus the per-request fee, in millionths of a micro
    /// (for <see cref="CostCalculator.ApplyMultiplier"/>, which rounds once): images and search units × price × 10^6,
    /// milliseconds × price per second × 10^3, characters × price per million. Null when the price has no figure.</summary>
    public Int128? ExactMicroMicros(long quantity, ModelPrice price)
    {
        if (UnitPrice(price) is not { } unitPrice)
        {
            return null;
        }

        Int128 units = Unit switch
        {
            AudioMilliseconds => checked((Int128)quantity * unitPrice * 1000),
            Characters => checked((Int128)quantity * unitPrice),
            Request => 0,
            _ => checked((Int128)quantity * unitPrice * Micros.PerUnit),
        };
        return checked(units + ((Int128)price.PerRequest * Micros.PerUnit));
    }

    /// <summary>The ledger note's explanation: quantity, unit and unit price.</summary>
    public string Explain(ModelPrice price)
    {
        ArgumentNullException.ThrowIfNull(price);
        string per = Unit switch
        {
            AudioMilliseconds => " per second",
            Characters => " per million",
            _ => " each",
        };
        return string.Create(CultureInfo.InvariantCulture, $"{Billed} {Unit} at {UnitPrice(price) ?? 0} micros{per}")
            + (price.PerRequest > 0 ? string.Create(CultureInfo.InvariantCulture, $" + {price.PerRequest} per request") : "");
    }
}
