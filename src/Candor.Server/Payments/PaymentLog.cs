namespace Candor.Server.Payments;

/// <summary>Log messages of online payments, event ids 2950–2999. None carries a secret, a signature or a card detail:
/// ids, amounts, outcomes and the provider's own error codes only.</summary>
internal static partial class PaymentLog
{
    [LoggerMessage(2950, LogLevel.Information, "Checkout {PaymentId} opened with {Provider} for account {AccountId}: {AmountMicros} micro-USD")]
    public static partial void CheckoutOpened(this ILogger logger, string paymentId, string provider, string accountId, long amountMicros);

    [LoggerMessage(2951, LogLevel.Warning, "Checkout {PaymentId} could not be opened with {Provider}: {Error}")]
    public static partial void CheckoutFailed(this ILogger logger, string paymentId, string provider, string error);

    [LoggerMessage(2952, LogLevel.Warning, "Webhook to {Provider} refused: {Reason}")]
    public static partial void WebhookRejected(this ILogger logger, string provider, string reason);

    [LoggerMessage(2953, LogLevel.Information, "Payment {PaymentId} credited to account {AccountId}: {AmountMicros} micro-USD (event {EventId}, ledger entry {EntryId})")]
    public static partial void PaymentCredited(this ILogger logger, string paymentId, string accountId, long amountMicros, string eventId, string entryId);

    [LoggerMessage(2954, LogLevel.Information, "Payment {PaymentId} refunded: {AmountMicros} micro-USD debited from account {AccountId} (event {EventId}, ledger entry {EntryId})")]
    public static partial void PaymentRefunded(this ILogger logger, string paymentId, long amountMicros, string accountId, string eventId, string entryId);

    [LoggerMessage(2955, LogLevel.Information, "Webhook event {EventId} ({Type}) of {Provider} changed nothing: {Outcome}")]
    public static partial void WebhookUnchanged(this ILogger logger, string eventId, string type, string provider, string outcome);

    [LoggerMessage(2956, LogLevel.Warning, "Webhook event {EventId} ({Type}) of {Provider} does not match the payment Candor opened ({Outcome}); nothing credited")]
    public static partial void WebhookMismatch(this ILogger logger, string eventId, string type, string provider, string outcome);

    [LoggerMessage(2957, LogLevel.Information, "Refund {RefundId} of {AmountMicros} micro-USD asked for payment {PaymentId}; the balance changes when the provider reports it")]
    public static partial void RefundRequested(this ILogger logger, string refundId, long amountMicros, string paymentId);

    [LoggerMessage(2958, LogLevel.Warning, "Refund of payment {PaymentId} refused by its provider: {Error}")]
    public static partial void RefundFailed(this ILogger logger, string paymentId, string error);
}
