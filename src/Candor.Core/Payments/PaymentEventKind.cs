namespace Candor.Core.Payments;

/// <summary>What a provider's event means for a payment.</summary>
internal enum PaymentEventKind
{
    /// <summary>The checkout is paid: credit the payment's amount, once.</summary>
    Paid,

    /// <summary>The payment has been refunded up to <see cref="PaymentEvent.AmountMicros"/> in total (cumulative, as
    /// providers report it): debit what is new, once.</summary>
    Refunded,

    /// <summary>Verified, but nothing for Candor to do (another event type, a checkout not yet paid).</summary>
    Ignored,
}
