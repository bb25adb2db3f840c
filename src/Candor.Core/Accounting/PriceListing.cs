namespace Candor.Core.Accounting;

/// <summary>One effective price with the layer it comes from: a model's own price (<see cref="Channel"/> null)
/// or one channel's.</summary>
/// <param name="Model">The model name.</param>
/// <param name="Channel">The channel, or null for the model's own price.</param>
/// <param name="Price">The resolved price.</param>
/// <param name="Source">The layer it comes from.</param>
/// <param name="Aliases">The model's other names (on the model's own row only).</param>
internal sealed record PriceListing(string Model, string? Channel, ModelPrice Price, PriceSource Source, IReadOnlyList<string> Aliases);
