namespace Candor.Core.Accounting;

/// <summary>Price overrides and group multipliers set through the admin API or CLI: the top layer of the
/// price table (shipped file &lt; <c>server.prices</c> files &lt; stored overrides). Every change increments a
/// version, so a running server (or another node) reloads only when something changed.</summary>
internal interface IPriceStore
{
    /// <summary>Every override and multiplier with the version they are current as of.</summary>
    Task<StoredPrices> GetPricesAsync(CancellationToken cancellationToken);

    /// <summary>The current price version (cheap; polled).</summary>
    Task<long> GetPricesVersionAsync(CancellationToken cancellationToken);

    /// <summary>Sets (inserts or replaces) the override of its model and channel.</summary>
    Task SetPriceAsync(PriceOverride price, CancellationToken cancellationToken);

    /// <summary>Deletes the override of a model (<paramref name="channel"/> null) or of one of its channels;
    /// false when there was none.</summary>
    Task<bool> RemovePriceAsync(string model, string? channel, CancellationToken cancellationToken);

    /// <summary>Sets an account group's multiplier.</summary>
    Task SetGroupMultiplierAsync(string group, PriceMultiplier multiplier, CancellationToken cancellationToken);

    /// <summary>Deletes a group's stored multiplier; false when there was none.</summary>
    Task<bool> RemoveGroupMultiplierAsync(string group, CancellationToken cancellationToken);
}
