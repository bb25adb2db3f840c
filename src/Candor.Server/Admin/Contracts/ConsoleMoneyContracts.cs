namespace Candor.Server.Admin.Contracts;

/// <summary>The body of <c>POST /accounts/{accountId}/redeem</c> (and of <c>POST /v1/redeem</c>).</summary>
internal sealed record RedeemRequest(string Code);

/// <summary>A redeemed code: what it credited, the ledger entry it made and the balance after it.</summary>
internal sealed record RedemptionView(string Object, string CodeId, string AccountId, long AmountMicros, string LedgerEntryId, long BalanceMicros);

/// <summary>The body of <c>POST /accounts/{accountId}/payments/checkout</c> (and of <c>POST /v1/payments/checkout</c>): one
/// of <c>amount_usd</c> (a decimal string in whole cents) and <c>amount_micros</c>, and optionally the provider.</summary>
internal sealed record CheckoutCreate(string? AmountUsd = null, long? AmountMicros = null, string? Provider = null);

/// <summary>An opened checkout: the payment it will credit once paid and the provider's hosted page.</summary>
internal sealed record CheckoutView(
    string Object, string Id, string Provider, string AccountId, string Status, long AmountMicros, long RefundedMicros,
    string SessionId, string CreatedAt, string? PaidAt, string? LedgerEntryId, string CheckoutUrl);
