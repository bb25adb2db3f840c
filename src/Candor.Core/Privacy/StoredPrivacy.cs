namespace Candor.Core.Privacy;

/// <summary>The privacy policy stored for one account or key.</summary>
/// <param name="Subject">Account or key.</param>
/// <param name="SubjectId">The account's or key's id.</param>
/// <param name="Routing">Its routing requirement (<see cref="DataPolicyRequirement.None"/> when it sets none).</param>
/// <param name="HistoryEnabled">Accounts only: keep the account's requests and responses, encrypted (off by default).</param>
/// <param name="HistoryRetentionDays">Accounts only: how long history entries are kept; null = the server's period.</param>
/// <param name="Redaction">Its redaction policy, null when it sets none. It only narrows: per entity type the effective
/// action is the strictest of the server's, the account's and the key's (<see cref="Redaction.RedactionPolicies.Narrow"/>).</param>
internal sealed record StoredPrivacy(
    PrivacySubject Subject, string SubjectId, DataPolicyRequirement Routing, bool HistoryEnabled, int? HistoryRetentionDays,
    RedactionPolicy? Redaction = null)
{
    /// <summary>The policy of a subject that stored none.</summary>
    public static StoredPrivacy Empty(PrivacySubject subject, string subjectId) => new(subject, subjectId, DataPolicyRequirement.None, false, null);
}
