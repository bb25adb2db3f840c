using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using Candor.Core.Accounts;

namespace Candor.Server.Admin.Contracts;

/// <summary>A key's record (never its plaintext or hash); limits and times are omitted when not set.</summary>
internal record KeyView
{
    public required string Id { get; init; }

    public required string Account { get; init; }

    public required string Name { get; init; }

    public required string Prefix { get; init; }

    public required bool Operator { get; init; }

    public required DateTime CreatedAt { get; init; }

    public DateTime? ExpiresAt { get; init; }

    public DateTime? RevokedAt { get; init; }

    public required IReadOnlyList<string> AllowedModels { get; init; }

    public required IReadOnlyList<string> AllowedCidrs { get; init; }

    public long? BudgetMicros { get; init; }

    public int? RpmLimit { get; init; }

    public int? TpmLimit { get; init; }

    public int? ConcurrencyLimit { get; init; }

    public static KeyView From(ApiKeyRecord k) => new()
    {
        Id = k.Id, Account = k.AccountId, Name = k.Name, Prefix = k.DisplayPrefix, Operator = k.IsOperator,
        CreatedAt = k.CreatedAt.UtcDateTime, ExpiresAt = k.ExpiresAt?.UtcDateTime, RevokedAt = k.RevokedAt?.UtcDateTime,
        AllowedModels = k.AllowedModels, AllowedCidrs = k.AllowedCidrs, BudgetMicros = k.BudgetMicros,
        RpmLimit = k.RpmLimit, TpmLimit = k.TpmLimit, ConcurrencyLimit = k.ConcurrencyLimit,
    };
}

/// <summary>A new key with its plaintext, which this answer alone carries.</summary>
internal sealed record CreatedKeyView : KeyView
{
    [SetsRequiredMembers]
    private CreatedKeyView(KeyView key, string plaintext, string note)
        : base(key)
    {
        Key = plaintext;
        Note = note;
    }

    [JsonPropertyOrder(1)]
    public required string Key { get; init; }

    [JsonPropertyOrder(1)]
    public required string Note { get; init; }

    public static CreatedKeyView From(ApiKeyRecord k, string plaintext) =>
        new(KeyView.From(k), plaintext, "The key is shown once; it is stored only as a keyed hash.");
}

/// <summary>A key with what it has spent, in micro-USD.</summary>
internal sealed record KeyWithSpendView : KeyView
{
    [SetsRequiredMembers]
    private KeyWithSpendView(KeyView key, long spentMicros)
        : base(key)
    {
        SpentMicros = spentMicros;
    }

    [JsonPropertyOrder(1)]
    public required long SpentMicros { get; init; }

    public static KeyWithSpendView From(ApiKeyRecord k, long spentMicros) => new(KeyView.From(k), spentMicros);
}

/// <summary>The body of <c>PATCH /accounts/{accountId}/keys/{keyId}</c>: absent fields are kept, null clears a limit.</summary>
internal sealed record KeyLimits(
    DateTimeOffset? ExpiresAt = null,
    IReadOnlyList<string>? AllowedModels = null,
    IReadOnlyList<string>? AllowedCidrs = null,
    long? BudgetMicros = null,
    int? RpmLimit = null,
    int? TpmLimit = null,
    int? ConcurrencyLimit = null);

/// <summary>The body of <c>POST /accounts/{accountId}/keys</c>: the key's name and its limits as in <see cref="KeyLimits"/>.</summary>
internal sealed record KeyCreate(
    string Name,
    DateTimeOffset? ExpiresAt = null,
    IReadOnlyList<string>? AllowedModels = null,
    IReadOnlyList<string>? AllowedCidrs = null,
    long? BudgetMicros = null,
    int? RpmLimit = null,
    int? TpmLimit = null,
    int? ConcurrencyLimit = null);
