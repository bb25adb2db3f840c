namespace Candor.Core.Accounts;

/// <summary>A client API key as stored: its keyed hash and settings, never the key itself.</summary>
internal sealed record ApiKeyRecord
{
    /// <summary>Stable id, <c>key_…</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The account the key belongs to and charges.</summary>
    public required string AccountId { get; init; }

    /// <summary>Display name chosen by its creator.</summary>
    public required string Name { get; init; }

    /// <summary>The first 12 characters of the key (<c>sk-cd-</c> and 6 more), shown in listings.</summary>
    public required string DisplayPrefix { get; init; }

    /// <summary>Hex HMAC-SHA256 of the key under the server secret (<see cref="Admission.KeyHasher"/>).</summary>
    public required string Hash { get; init; }

    /// <summary>When the key was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>After this instant the key is refused; null = never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>When the key was revoked, or null while it is live.</summary>
    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>True for a platform operator key (admin API over every account).</summary>
    public bool IsOperator { get; init; }

    /// <summary>The owning account's price group, carried so the in-memory key cache needs no other lookup.</summary>
    public string AccountGroup { get; init; } = Account.DefaultGroup;

    /// <summary>True when the owning account is disabled; its keys are refused.</summary>
    public bool AccountDisabled { get; init; }

    /// <summary>The key-store version at the key's last change (see <see cref="IKeyStore.GetChangedSinceAsync"/>).</summary>
    public long Version { get; init; }

    /// <summary>Public model names the key may call; empty = all.</summary>
    public IReadOnlyList<string> AllowedModels { get; init; } = [];

    /// <summary>Client address ranges (CIDR) the key may be used from; empty = any.</summary>
    public IReadOnlyList<string> AllowedCidrs { get; init; } = [];

    /// <summary>The most the key may spend over its life in micro-USD; null = no budget.</summary>
    public long? BudgetMicros { get; init; }

    /// <summary>Requests per minute; null = no limit.</summary>
    public int? RpmLimit { get; init; }

    /// <summary>Tokens per minute (on reserved tokens); null = no limit.</summary>
    public int? TpmLimit { get; init; }

    /// <summary>Requests in flight at once; null = no limit.</summary>
    public int? ConcurrencyLimit { get; init; }

    /// <summary>The settable part of the record, e.g. to change one limit and pass it to
    /// <see cref="IKeyStore.UpdateLimitsAsync"/>.</summary>
    public ApiKeyLimits Limits => new()
    {
        ExpiresAt = ExpiresAt,
        AllowedModels = AllowedModels,
        AllowedCidrs = AllowedCidrs,
        BudgetMicros = BudgetMicros,
        RpmLimit = RpmLimit,
        TpmLimit = TpmLimit,
        ConcurrencyLimit = ConcurrencyLimit,
    };

    /// <summary>True when the key may be used at <paramref name="now"/>: not revoked, not expired, account enabled.</summary>
    public bool IsUsableAt(DateTimeOffset now) =>
        RevokedAt is null && !AccountDisabled && (ExpiresAt is not { } expires || now < expires);
}
