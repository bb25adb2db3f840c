namespace Candor.Core.Accounts.Redemptions;

/// <summary>A redemption code as stored: its keyed hash and terms, never the code itself.</summary>
internal sealed record RedemptionCode
{
    /// <summary>Stable id, <c>rcd_…</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The batch it was made in (<c>rcb_…</c>, or <c>import:…</c> for imported codes).</summary>
    public required string BatchId { get; init; }

    /// <summary>What the code credits, in micro-USD.</summary>
    public required long AmountMicros { get; init; }

    /// <summary>When the code was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>After this instant the code no longer redeems; null = never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Only accounts of this price group may redeem it; null = any.</summary>
    public string? Group { get; init; }

    /// <summary>Only this account may redeem it; null = any.</summary>
    public string? AccountId { get; init; }

    /// <summary>The operator's note.</summary>
    public string Note { get; init; } = "";

    /// <summary>When it was redeemed; null while unused.</summary>
    public DateTimeOffset? RedeemedAt { get; init; }

    /// <summary>The account that redeemed it.</summary>
    public string? RedeemedBy { get; init; }

    /// <summary>The ledger entry of the redemption.</summary>
    public string? LedgerEntryId { get; init; }
}
