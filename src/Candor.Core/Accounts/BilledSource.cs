namespace Candor.Core.Accounts;

/// <summary>Which token figures a charge was computed from.</summary>
internal enum BilledSource
{
    /// <summary>The usage the upstream reported.</summary>
    Upstream,

    /// <summary>Candor's own count.</summary>
    Candor,

    /// <summary>Nothing was billed.</summary>
    None,
}
