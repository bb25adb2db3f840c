namespace Candor.Core.Accounting;

/// <summary>Which rule of the billing policy (docs/billing.md) produced a decision.</summary>
internal enum BillingBasis
{
    /// <summary>The request completed; reported figures are billed, own counts fill absent ones.</summary>
    Completed,

    /// <summary>The request ended early; what was generated as far as known is billed.</summary>
    EarlyEnd,

    /// <summary>Nothing was generated (or nothing reached the client through an upstream fault); free.</summary>
    NothingGenerated,
}
