using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Core.Accounts.Redemptions;
using Candor.Core.Channels;

namespace Candor.Core.Import;

/// <summary>Everything one import would write, already in Candor's terms (ids chosen, keys hashed, credentials
/// sealed, money in micro-USD), and everything it leaves out. <see cref="IImportStore.ApplyAsync"/> writes it in one
/// transaction; a dry run only prints it.</summary>
internal sealed record ImportPlan
{
    /// <summary>The source label every row is recorded under (<c>one-api</c>, <c>new-api</c>, or the operator's).</summary>
    public required string Source { get; init; }

    /// <summary>The quota units per USD the money was converted with.</summary>
    public required decimal QuotaPerUsd { get; init; }

    /// <summary>Accounts with their owner member and opening balance.</summary>
    public IReadOnlyList<PlannedAccount> Accounts { get; init; } = [];

    /// <summary>Keys under their source secrets' keyed hashes.</summary>
    public IReadOnlyList<PlannedKey> Keys { get; init; } = [];

    /// <summary>Channels with sealed credentials and their deployments.</summary>
    public IReadOnlyList<PlannedChannel> Channels { get; init; } = [];

    /// <summary>Model prices.</summary>
    public IReadOnlyList<PlannedPrice> Prices { get; init; } = [];

    /// <summary>Group multipliers.</summary>
    public IReadOnlyList<PlannedGroup> Groups { get; init; } = [];

    /// <summary>Unused redemption codes.</summary>
    public IReadOnlyList<PlannedCode> Codes { get; init; } = [];

    /// <summary>Rows left out or mapped in part, with the reason.</summary>
    public IReadOnlyList<ImportIssue> Issues { get; init; } = [];

    /// <summary>How many source rows an earlier run imported already, by kind (they are not planned again).</summary>
    public IReadOnlyDictionary<string, int> AlreadyImported { get; init; } = new Dictionary<string, int>();

    /// <summary>An account: the source user's id, the account, its owner (null when the user has no usable name)
    /// and its opening balance entry (null when the quota is 0).</summary>
    internal sealed record PlannedAccount(string SourceId, Account Account, string? Owner, LedgerEntry? Opening);

    /// <summary>A key: the source token's id, the account it belongs to, and its hash and limits.</summary>
    internal sealed record PlannedKey(string SourceId, string Id, string AccountId, string Name, string Hash, string DisplayPrefix,
        DateTimeOffset CreatedAt, ApiKeyLimits Limits);

    /// <summary>A channel: the source id (<c>7</c>, or <c>7#2</c> for the second key of a multi-key channel).</summary>
    internal sealed record PlannedChannel(string SourceId, StoredChannel Channel, IReadOnlyList<StoredDeployment> Deployments);

    /// <summary>A model price: the model name is the source id.</summary>
    internal sealed record PlannedPrice(string SourceId, PriceOverride Price);

    /// <summary>A group multiplier: the group name is the source id.</summary>
    internal sealed record PlannedGroup(string SourceId, string Group, PriceMultiplier Multiplier);

    /// <summary>A redemption code under its keyed hash.</summary>
    internal sealed record PlannedCode(string SourceId, RedemptionCode Code, string Hash);
}
