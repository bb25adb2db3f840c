namespace Candor.Core.Accounts;

/// <summary>Why a ledger entry changes a balance.</summary>
internal enum LedgerKind
{
    /// <summary>Money added (positive amount).</summary>
    TopUp,

    /// <summary>A request's cost (negative amount, linked to the request id).</summary>
    Charge,

    /// <summary>Money given back for a charge (positive amount).</summary>
    Refund,

    /// <summary>An operator's correction (either sign).</summary>
    Adjustment,
}
