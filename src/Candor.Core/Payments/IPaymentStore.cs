namespace Candor.Core.Payments;

/// <summary>Payments and the provider events applied to them. The one place where a payment changes a balance, for
/// every provider: each event id is applied at most once (a conditional insert), each payment is credited at most once
/// (a conditional update), and the ledger entry is written in the same transaction as both (docs/business.md).</summary>
internal interface IPaymentStore
{
    /// <summary>Records a new payment (<c>creating</c>) before the provider is asked, so that a checkout paid at once
    /// still finds it. Null when the account does not exist.</summary>
    Task<Payment?> CreatePaymentAsync(string provider, string accountId, long amountMicros, CancellationToken cancellationToken);

    /// <summary>Records the provider's answer: the checkout id (<c>open</c>), or <c>failed</c> when <paramref name="sessionId"/> is null.</summary>
    Task OpenPaymentAsync(string paymentId, string? sessionId, CancellationToken cancellationToken);

    /// <summary>The payment, or null.</summary>
    Task<Payment?> GetPaymentAsync(string paymentId, CancellationToken cancellationToken);

    /// <summary>Applies a verified event in one transaction: the event id is recorded first (a replay stops there), then a
    /// <see cref="PaymentEventKind.Paid"/> event credits its payment if not yet credited and a
    /// <see cref="PaymentEventKind.Refunded"/> event debits what it adds to the refunded total.</summary>
    Task<PaymentApplication> ApplyAsync(PaymentEvent paymentEvent, CancellationToken cancellationToken);
}
