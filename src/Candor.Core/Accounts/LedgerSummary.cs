namespace Candor.Core.Accounts;

/// <summary>Totals of one account for reconciliation. In a consistent store
/// <c>BalanceMicros == LedgerSumMicros</c> and <c>ChargedMicros == UsageChargeMicros</c>.</summary>
/// <param name="BalanceMicros">The stored running balance.</param>
/// <param name="LedgerSumMicros">The sum of every ledger amount.</param>
/// <param name="TopUpMicros">The sum of top-ups.</param>
/// <param name="ChargedMicros">The sum of charges, as a positive number.</param>
/// <param name="RefundedMicros">The sum of refunds.</param>
/// <param name="AdjustedMicros">The sum of adjustments (signed).</param>
/// <param name="UsageChargeMicros">The sum of the usage records' charges.</param>
/// <param name="UsageCount">The number of usage records.</param>
internal sealed record LedgerSummary(
    long BalanceMicros,
    long LedgerSumMicros,
    long TopUpMicros,
    long ChargedMicros,
    long RefundedMicros,
    long AdjustedMicros,
    long UsageChargeMicros,
    long UsageCount);
