namespace Candor.Core.Accounts.Redemptions;

/// <summary>What an operator asks for when creating a batch of redemption codes.</summary>
internal sealed record RedemptionBatchSpec
{
    /// <summary>The most codes one batch may hold.</summary>
    public const int MaxCount = 10_000;

    /// <summary>What each code credits, in micro-USD (positive).</summary>
    public required long AmountMicros { get; init; }

    /// <summary>How many codes to make (1 to <see cref="MaxCount"/>).</summary>
    public required int Count { get; init; }

    /// <summary>After this instant the codes no longer redeem; null = never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Only accounts of this price group may redeem the codes; null = any account.</summary>
    public string? Group { get; init; }

    /// <summary>Only this account may redeem the codes; null = any account.</summary>
    public string? AccountId { get; init; }

    /// <summary>A free-text note kept with the codes and written on each redemption's ledger entry.</summary>
    public string Note { get; init; } = "";

    /// <summary>The first problem with the spec as (field, message), or null when it is valid.</summary>
    public (string Field, string Message)? Validate(DateTimeOffset now)
    {
        if (AmountMicros <= 0)
        {
            return ("amount_micros", "the amount must be positive");
        }

        if (Count is < 1 or > MaxCount)
        {
            return ("count", $"count must be from 1 to {MaxCount}");
        }

        if (ExpiresAt is { } expires && expires <= now)
        {
            return ("expires_at", "the expiry is in the past");
        }

        if (Group is { } group && (string.IsNullOrWhiteSpace(group) || group.Length > 64))
        {
            return ("group", "the group must be 1 to 64 characters");
        }

        return Note.Length > 500 ? ("note", "the note must be at most 500 characters") : null;
    }
}
