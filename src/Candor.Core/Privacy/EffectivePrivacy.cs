namespace Candor.Core.Privacy;

/// <summary>The privacy policy in effect for one caller, with where each part came from (for <c>GET /v1/privacy</c>).</summary>
/// <param name="Routing">The effective routing requirement: the intersection of the three below.</param>
/// <param name="Server">The server's requirement (<c>privacy.routing</c>).</param>
/// <param name="Account">The account's stored requirement; null for a configuration key.</param>
/// <param name="Key">The key's own requirement (stored, or from <c>keys[].privacy</c>); null when it sets none.</param>
/// <param name="Retention">The server's retention mode.</param>
/// <param name="HistoryEnabled">True when this caller's requests are kept in the account's encrypted history.</param>
/// <param name="HistoryRetentionDays">How long they are kept (0 when history is off).</param>
internal sealed record EffectivePrivacy(
    DataPolicyRequirement Routing, DataPolicyRequirement Server, DataPolicyRequirement? Account, DataPolicyRequirement? Key,
    RetentionMode Retention, bool HistoryEnabled, int HistoryRetentionDays)
{
    /// <summary>The effective redaction policy: the server's <c>privacy.redaction</c>, narrowed by the account's and then
    /// the key's (per entity type the strictest action wins).</summary>
    public RedactionPolicy Redaction { get; init; } = RedactionPolicy.Off;

    /// <summary>The server's redaction policy (<c>privacy.redaction</c>).</summary>
    public RedactionPolicy ServerRedaction { get; init; } = RedactionPolicy.Off;

    /// <summary>The account's stored redaction policy; null when it sets none (and for a configuration key).</summary>
    public RedactionPolicy? AccountRedaction { get; init; }

    /// <summary>The key's own redaction policy (stored, or from <c>keys[].privacy.redaction</c>); null when it sets none.</summary>
    public RedactionPolicy? KeyRedaction { get; init; }
}
