namespace Candor.Core.Accounts;

/// <summary>Which of an account's usage records a listing returns: a time range (<see cref="From"/> inclusive,
/// <see cref="To"/> exclusive), one requested model, one outcome, one key, or only the keys a console login owns.
/// Null fields do not filter.</summary>
internal sealed record UsageFilter
{
    /// <summary>No filter.</summary>
    public static UsageFilter None { get; } = new();

    /// <summary>Records created at or after this instant.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Records created before this instant.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Records of this requested model.</summary>
    public string? Model { get; init; }

    /// <summary>Records with this outcome.</summary>
    public UsageOutcome? Outcome { get; init; }

    /// <summary>Records of this key.</summary>
    public string? KeyId { get; init; }

    /// <summary>Records of keys owned by this console principal (<see cref="WebConsole.IKeyOwners"/>).</summary>
    public string? OwnerPrincipal { get; init; }
}
