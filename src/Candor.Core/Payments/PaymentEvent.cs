namespace Candor.Core.Payments;

/// <summary>One verified event of a provider, in Candor's terms: money already converted to micro-USD by the provider
/// (<see cref="UsdMinorUnits"/>), ids as the provider gives them. <see cref="IPaymentStore.ApplyAsync"/> acts on it.</summary>
internal sealed record PaymentEvent
{
    /// <summary>The provider (<see cref="IPaymentProvider.Name"/>).</summary>
    public required string Provider { get; init; }

    /// <summary>The provider's event id (Stripe: <c>evt_…</c>); an event id is acted on once.</summary>
    public required string EventId { get; init; }

    /// <summary>The provider's event type, for the record (Stripe: <c>checkout.session.completed</c>).</summary>
    public required string Type { get; init; }

    /// <summary>What the event means.</summary>
    public required PaymentEventKind Kind { get; init; }

    /// <summary>Candor's payment id the checkout carried (<see cref="PaymentEventKind.Paid"/>).</summary>
    public string? PaymentId { get; init; }

    /// <summary>The provider's checkout id (<see cref="PaymentEventKind.Paid"/>); a checkout credits once.</summary>
    public string? SessionId { get; init; }

    /// <summary>The provider's id of the money movement (Stripe: the payment intent), which refunds name.</summary>
    public string? PaymentReference { get; init; }

    /// <summary>Paid: the amount paid; Refunded: the total refunded so far. Micro-USD.</summary>
    public long AmountMicros { get; init; }

    /// <summary>Why a verified event is <see cref="PaymentEventKind.Ignored"/>, or a detail for the ledger note (a refund's charge id).</summary>
    public string Detail { get; init; } = "";
}
