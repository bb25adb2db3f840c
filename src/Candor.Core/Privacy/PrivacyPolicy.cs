namespace Candor.Core.Privacy;

/// <summary>What happens to one entity type found in a request before it leaves for an upstream.</summary>
internal enum EntityAction
{
    /// <summary>Sent as written.</summary>
    Allow,

    /// <summary>Replaced by a fixed mask naming the type (for example <c>[EMAIL]</c>); not restored.</summary>
    Mask,

    /// <summary>Replaced by a consistent placeholder, restored to the original in the response.</summary>
    Pseudonymize,

    /// <summary>The request is refused with an error naming the entity type, never the value.</summary>
    Block,
}

/// <summary>How long an upstream keeps what it is sent. Ordered from most to least private; an undeclared
/// policy counts as the least private.</summary>
internal enum UpstreamRetention
{
    /// <summary>Nothing is kept after the response (zero data retention).</summary>
    None,

    /// <summary>Kept for a limited abuse-monitoring window.</summary>
    Limited,

    /// <summary>Kept.</summary>
    Retains,

    /// <summary>Not declared: treated as <see cref="Retains"/>.</summary>
    Unknown,
}

/// <summary>Whether an upstream trains on what it is sent. Ordered from most to least private; undeclared
/// counts as the least private.</summary>
internal enum TrainingUse
{
    /// <summary>Never used for training.</summary>
    Never,

    /// <summary>Used unless the account opted out.</summary>
    OptOut,

    /// <summary>Used for training.</summary>
    Yes,

    /// <summary>Not declared: treated as <see cref="Yes"/>.</summary>
    Unknown,
}

/// <summary>What a channel declares about where and how it processes data.</summary>
/// <param name="Region">Region code (cn, us, eu…), lower case; "unknown" when undeclared.</param>
/// <param name="Retention">Upstream retention.</param>
/// <param name="Training">Upstream training use.</param>
internal sealed record ChannelDataPolicy(string Region, UpstreamRetention Retention, TrainingUse Training)
{
    /// <summary>The policy of a channel that declared nothing: the least private.</summary>
    public static ChannelDataPolicy Undeclared { get; } = new("unknown", UpstreamRetention.Unknown, TrainingUse.Unknown);
}

/// <summary>What an account or key requires of the upstreams its requests may reach.</summary>
/// <param name="Regions">Allowed regions; null allows any (an empty set allows none).</param>
/// <param name="ZeroRetentionOnly">Only upstreams that declare <see cref="UpstreamRetention.None"/>.</param>
/// <param name="NeverTrain">Only upstreams that declare <see cref="TrainingUse.Never"/>.</param>
internal sealed record DataPolicyRequirement(IReadOnlySet<string>? Regions, bool ZeroRetentionOnly, bool NeverTrain)
{
    /// <summary>No requirement.</summary>
    public static DataPolicyRequirement None { get; } = new(null, false, false);
}

/// <summary>Redaction actions per entity type (entity names as the redaction engine defines them, for example
/// <c>email</c>, <c>phone</c>, <c>cn_id</c>, <c>secret</c>); types not listed take <paramref name="Default"/>.</summary>
internal sealed record RedactionPolicy(IReadOnlyDictionary<string, EntityAction> Actions, EntityAction Default)
{
    /// <summary>No redaction.</summary>
    public static RedactionPolicy Off { get; } = new(new Dictionary<string, EntityAction>(), EntityAction.Allow);

    /// <summary>The action for <paramref name="entityType"/>.</summary>
    public EntityAction ActionFor(string entityType) => Actions.TryGetValue(entityType, out var action) ? action : Default;
}

/// <summary>The privacy policy in effect for one request: the server default, narrowed by the account's and
/// the key's own policies (resolved at admission and carried on the request's context).</summary>
/// <param name="Redaction">What is redacted before the request leaves.</param>
/// <param name="Routing">What upstreams the request may reach.</param>
internal sealed record PrivacyPolicy(RedactionPolicy Redaction, DataPolicyRequirement Routing)
{
    /// <summary>No redaction, no routing requirement.</summary>
    public static PrivacyPolicy Open { get; } = new(RedactionPolicy.Off, DataPolicyRequirement.None);
}
