namespace Candor.Core.Accounts;

/// <summary>The keys changed (created, revoked, limits or owning account updated) after a version, and the
/// current version to ask from next time.</summary>
internal sealed record KeyChanges(long Version, IReadOnlyList<ApiKeyRecord> Keys);
