namespace Candor.Core.Accounts.Redemptions;

/// <summary>The outcome of a redemption and, when it succeeded, its ledger entry.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Entry">The credit (a <see cref="LedgerKind.TopUp"/> entry whose note names the code) when
/// <paramref name="Outcome"/> is <see cref="RedemptionOutcome.Redeemed"/>.</param>
/// <param name="CodeId">The code's id when the code exists.</param>
/// <param name="RetryAfter">When <paramref name="Outcome"/> is <see cref="RedemptionOutcome.Throttled"/>, how long until
/// the last full counter's window ends.</param>
internal sealed record RedemptionResult(RedemptionOutcome Outcome, LedgerEntry? Entry = null, string? CodeId = null, TimeSpan? RetryAfter = null);
