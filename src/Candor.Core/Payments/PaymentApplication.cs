using Candor.Core.Accounts;

namespace Candor.Core.Payments;

/// <summary>The outcome of applying an event, the payment it concerned and the ledger entry it wrote, if any.</summary>
internal sealed record PaymentApplication(PaymentOutcome Outcome, string? PaymentId = null, string? AccountId = null, LedgerEntry? Entry = null);
