using System.Text.Json.Serialization;
using Candor.Core.Accounts.Redemptions;

namespace Candor.Server.Admin.Contracts;

/// <summary>A new batch of redemption codes with the plaintext codes, which this answer alone carries. Terms not set
/// are null.</summary>
internal sealed record RedemptionBatchView(
    string Object,
    string Id,
    long AmountMicros,
    int Count,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? ExpiresAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Group,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? AccountId,
    string Note,
    IReadOnlyList<RedemptionCodeSecretView> Codes,
    string Notice)
{
    public static RedemptionBatchView From(CreatedRedemptionBatch created) => new(
        "redemption_batch", created.BatchId, created.Spec.AmountMicros, created.Codes.Count, created.Spec.ExpiresAt, created.Spec.Group,
        created.Spec.AccountId, created.Spec.Note, [.. created.Codes.Select(static c => new RedemptionCodeSecretView(c.Id, c.Code))],
        "The codes are shown once; they are stored only as keyed hashes.");
}

/// <summary>A code's id and plaintext.</summary>
internal sealed record RedemptionCodeSecretView(string Id, string Code);

/// <summary>One stored code: terms and state, never the code. <c>redeemed_at</c> is null until it is redeemed; then
/// <c>redeemed_by</c> and <c>ledger_entry_id</c> say by whom and into which ledger entry.</summary>
internal sealed record RedemptionCodeView(
    string Object,
    string Id,
    string BatchId,
    long AmountMicros,
    DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? ExpiresAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Group,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? AccountId,
    string Note,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? RedeemedAt,
    string? RedeemedBy,
    string? LedgerEntryId)
{
    public static RedemptionCodeView From(RedemptionCode code) => new(
        "redemption_code", code.Id, code.BatchId, code.AmountMicros, code.CreatedAt, code.ExpiresAt, code.Group, code.AccountId, code.Note,
        code.RedeemedAt, code.RedeemedAt is null ? null : code.RedeemedBy, code.RedeemedAt is null ? null : code.LedgerEntryId);
}

/// <summary>The body of <c>POST /redemption-batches</c>: the amount of each code (exactly one of <c>amount_micros</c>
/// and <c>amount_usd</c>), how many, and optional terms.</summary>
internal sealed record RedemptionBatchCreate(
    int Count,
    long? AmountMicros = null,
    string? AmountUsd = null,
    DateTimeOffset? ExpiresAt = null,
    string? Group = null,
    string? AccountId = null,
    string? Note = null);
