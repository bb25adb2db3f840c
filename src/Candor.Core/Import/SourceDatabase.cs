namespace Candor.Core.Import;

/// <summary>The rows of a one-api or new-api database that the import reads, as the source stores them (quota units,
/// Unix seconds, the source's status numbers). A reader fills it from SQLite (Candor.Storage.Import); the mapper
/// (<see cref="ImportMapper"/>) turns it into an <see cref="ImportPlan"/>. docs/migrate.md names the columns.</summary>
internal sealed record SourceDatabase
{
    /// <summary><c>users</c>.</summary>
    public IReadOnlyList<User> Users { get; init; } = [];

    /// <summary><c>tokens</c>.</summary>
    public IReadOnlyList<Token> Tokens { get; init; } = [];

    /// <summary><c>channels</c>.</summary>
    public IReadOnlyList<Channel> Channels { get; init; } = [];

    /// <summary><c>redemptions</c>.</summary>
    public IReadOnlyList<Redemption> Redemptions { get; init; } = [];

    /// <summary><c>options</c> (key → value): ModelRatio, CompletionRatio, GroupRatio, QuotaPerUnit, and new-api's
    /// ModelPrice and CacheRatio.</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    /// <summary>A row of <c>users</c>. <paramref name="Status"/>: 1 enabled, 2 disabled, 3 deleted (one-api);
    /// <paramref name="Deleted"/>: new-api's soft delete (<c>deleted_at</c> set).</summary>
    internal sealed record User(long Id, string Username, string DisplayName, string Email, int Role, int Status, long Quota, string Group, bool Deleted);

    /// <summary>A row of <c>tokens</c>. <paramref name="Key"/> is the secret without its <c>sk-</c> prefix;
    /// <paramref name="ExpiredTime"/> is Unix seconds or -1; <paramref name="Models"/> is one-api's <c>models</c> or
    /// new-api's <c>model_limits</c> when <c>model_limits_enabled</c>; <paramref name="Subnets"/> is one-api's
    /// comma-separated <c>subnet</c> or new-api's newline-separated <c>allow_ips</c>.</summary>
    internal sealed record Token(long Id, long UserId, string Key, int Status, string Name, long CreatedTime, long ExpiredTime,
        long RemainQuota, bool UnlimitedQuota, string? Models, string? Subnets, string? Group, bool Deleted);

    /// <summary>A row of <c>channels</c>. <paramref name="Status"/>: 1 enabled, 2 disabled by hand, 3 disabled automatically.
    /// <paramref name="Dropped"/> names set columns the import cannot carry (system prompt, overrides).</summary>
    internal sealed record Channel(long Id, int Type, string Key, int Status, string Name, long Weight, string? BaseUrl, string Models,
        string Group, string? ModelMapping, long Priority, string? ApiVersion, long CreatedTime, IReadOnlyList<string> Dropped);

    /// <summary>A row of <c>redemptions</c>. <paramref name="Status"/>: 1 unused, 2 disabled, 3 used;
    /// <paramref name="ExpiredTime"/>: new-api's expiry in Unix seconds, 0 = never.</summary>
    internal sealed record Redemption(long Id, string Key, int Status, string Name, long Quota, long CreatedTime, long ExpiredTime, bool Deleted);
}
