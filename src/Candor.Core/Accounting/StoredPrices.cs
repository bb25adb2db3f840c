namespace Candor.Core.Accounting;

/// <summary>Every stored price override and group multiplier, as of one price-store version.</summary>
/// <param name="Overrides">Model and channel prices.</param>
/// <param name="Groups">Account-group multipliers, by group.</param>
/// <param name="Version">The store's price version; it grows with every change.</param>
internal sealed record StoredPrices(IReadOnlyList<PriceOverride> Overrides, IReadOnlyDictionary<string, PriceMultiplier> Groups, long Version)
{
    /// <summary>Nothing stored.</summary>
    public static StoredPrices None { get; } = new([], new Dictionary<string, PriceMultiplier>(), 0);
}
