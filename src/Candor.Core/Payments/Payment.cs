namespace Candor.Core.Payments;

/// <summary>A top-up bought through a provider, as stored: opened by a member, credited once when the provider reports
/// it paid, refunded (in part or whole) when the provider reports refunds.</summary>
internal sealed record Payment
{
    /// <summary>Candor's id, <c>pay_…</c>; the provider's checkout carries it (Stripe: <c>client_reference_id</c>).</summary>
    public required string Id { get; init; }

    /// <summary>The provider (<see cref="IPaymentProvider.Name"/>).</summary>
    public required string Provider { get; init; }

    /// <summary>The account credited.</summary>
    public required string AccountId { get; init; }

    /// <summary>The amount bought, micro-USD (whole cents).</summary>
    public required long AmountMicros { get; init; }

    /// <summary><c>creating</c> (the provider is being asked), <c>open</c> (awaiting payment), <c>failed</c> (the
    /// provider refused the checkout), <c>paid</c> (credited).</summary>
    public required string Status { get; init; }

    /// <summary>The provider's checkout id once opened.</summary>
    public string? SessionId { get; init; }

    /// <summary>The provider's money movement (Stripe: payment intent) once paid.</summary>
    public string? PaymentReference { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it was credited.</summary>
    public DateTimeOffset? PaidAt { get; init; }

    /// <summary>The top-up ledger entry of the credit.</summary>
    public string? LedgerEntryId { get; init; }

    /// <summary>How much of it has been refunded (and debited), micro-USD.</summary>
    public long RefundedMicros { get; init; }
}
