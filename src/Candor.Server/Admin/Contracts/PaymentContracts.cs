namespace Candor.Server.Admin.Contracts;

/// <summary>The optional body of <c>POST /payments/{paymentId}/refund</c>: at most one of <c>amount_usd</c> and
/// <c>amount_micros</c> (default: all that is not refunded yet).</summary>
internal sealed record RefundRequest(string? AmountUsd = null, long? AmountMicros = null);

/// <summary>A refund the provider accepted; the balance is debited when its webhook arrives.</summary>
internal sealed record RefundView(string Object, string PaymentId, string RefundId, long AmountMicros, string Note);
