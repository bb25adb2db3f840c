namespace Candor.Core.Privacy;

/// <summary>The server's privacy settings (the <c>privacy</c> section of the configuration): what Candor keeps,
/// the routing requirement every request starts from, and the bounds of opt-in history.</summary>
/// <param name="Retention">What Candor may keep (<c>privacy.retention</c>).</param>
/// <param name="Routing">The server-wide routing requirement (<c>privacy.routing</c>); accounts and keys narrow it.</param>
/// <param name="HistoryRetentionDays">How long history entries are kept unless the account chose a shorter period
/// (<c>privacy.history.retention_days</c>); also the longest period an account may choose.</param>
internal sealed record PrivacySettings(RetentionMode Retention, DataPolicyRequirement Routing, int HistoryRetentionDays)
{
    /// <summary>Nothing kept, no routing requirement, 30 days of history when enabled.</summary>
    public static PrivacySettings Default { get; } = new(RetentionMode.None, DataPolicyRequirement.None, 30);
}
