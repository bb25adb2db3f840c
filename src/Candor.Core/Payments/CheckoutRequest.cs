namespace Candor.Core.Payments;

/// <summary>A checkout to open: Candor's payment id (the provider carries it back in its webhooks), the account to
/// credit, the amount in micro-USD (whole cents) and where the payer's browser goes afterwards.</summary>
internal sealed record CheckoutRequest(string PaymentId, string AccountId, long AmountMicros, string SuccessUrl, string CancelUrl);
