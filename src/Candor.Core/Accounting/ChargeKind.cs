namespace Candor.Core.Accounting;

/// <summary>The line items of a charge.</summary>
internal enum ChargeKind
{
    /// <summary>Prompt tokens neither read from nor written to a cache.</summary>
    UncachedInput,

    /// <summary>Prompt tokens read from the provider's cache.</summary>
    CachedInput,

    /// <summary>Prompt tokens written to the provider's cache.</summary>
    CacheWrite,

    /// <summary>Output tokens that are not reasoning.</summary>
    Output,

    /// <summary>Reasoning (thinking) tokens.</summary>
    Reasoning,

    /// <summary>The flat fee per request.</summary>
    PerRequest,
}
