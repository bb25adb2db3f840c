namespace Candor.Core.Accounting;

/// <summary>One model's entry in a <see cref="PriceTable"/>: its price, the channels that charge
/// differently, and other names it answers to.</summary>
/// <param name="Model">The public model name.</param>
/// <param name="Price">The price on every channel without an override.</param>
/// <param name="Channels">Per-channel prices, by channel id.</param>
/// <param name="Aliases">Other model names (e.g. dated snapshots) billed at this entry's prices.</param>
internal sealed record ModelPriceEntry(
    string Model,
    ModelPrice Price,
    IReadOnlyDictionary<string, ModelPrice> Channels,
    IReadOnlyList<string> Aliases);
