namespace Candor.Core.Accounts;

/// <summary>One immutable change to an account's balance. <see cref="AmountMicros"/> is the signed change
/// in micro-USD (top-ups and refunds positive, charges negative), so an account's balance is always the
/// sum of its entries' amounts.</summary>
internal sealed record LedgerEntry
{
    /// <summary>Stable id, <c>led_…</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The account whose balance changes.</summary>
    public required string AccountId { get; init; }

    /// <summary>The key that spent the money (charges and refunds), if any.</summary>
    public string? KeyId { get; init; }

    /// <summary>The request the entry settles (charges and refunds), if any.</summary>
    public string? RequestId { get; init; }

    /// <summary>Why the balance changes.</summary>
    public required LedgerKind Kind { get; init; }

    /// <summary>Signed change to the balance in micro-USD.</summary>
    public required long AmountMicros { get; init; }

    /// <summary>When the entry was made.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>A free-text note (never request content).</summary>
    public string Note { get; init; } = "";

    /// <summary>The charge entry for a usage record: minus its charge, same account, key, request and time.</summary>
    public static LedgerEntry ChargeFor(UsageRecord usage, string note = "") => new()
    {
        Id = EntityIds.NewSequential(EntityIds.Ledger, usage.CreatedAt),
        AccountId = usage.AccountId,
        KeyId = usage.KeyId,
        RequestId = usage.RequestId,
        Kind = LedgerKind.Charge,
        AmountMicros = -usage.ChargeMicros,
        CreatedAt = usage.CreatedAt,
        Note = note,
    };
}
