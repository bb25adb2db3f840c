namespace Candor.Core.Accounting;

/// <summary>The layer a price comes from; later layers win.</summary>
internal enum PriceSource
{
    /// <summary>The shipped list prices (<c>prices.default.yaml</c>).</summary>
    Default,

    /// <summary>An operator price file (<c>server.prices</c>).</summary>
    File,

    /// <summary>An override stored through the admin API or CLI.</summary>
    Override,
}
