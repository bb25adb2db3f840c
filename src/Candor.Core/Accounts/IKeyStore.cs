namespace Candor.Core.Accounts;

/// <summary>Client API keys, stored only as keyed hashes. Admission resolves keys from an in-memory cache
/// warmed with <see cref="ListActiveAsync"/> and kept current with <see cref="GetChangedSinceAsync"/>;
/// this store is not on the per-request path.</summary>
internal interface IKeyStore
{
    /// <summary>Creates a key for the account. The result carries the plaintext key, which is not stored and
    /// cannot be read again. Returns null when the account does not exist. Throws
    /// <see cref="ArgumentException"/> when <paramref name="limits"/> is invalid.</summary>
    Task<CreatedApiKey?> CreateKeyAsync(string accountId, string name, ApiKeyLimits limits, bool isOperator, CancellationToken cancellationToken);

    /// <summary>The account's key with that id, or null (also when the key belongs to another account).</summary>
    Task<ApiKeyRecord?> GetKeyAsync(string accountId, string keyId, CancellationToken cancellationToken);

    /// <summary>The key with that keyed hash (revoked and expired included), or null.</summary>
    Task<ApiKeyRecord?> GetByHashAsync(string hash, CancellationToken cancellationToken);

    /// <summary>The account's keys (revoked ones included), newest first.</summary>
    Task<IReadOnlyList<ApiKeyRecord>> ListKeysAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>Revokes the account's key. Returns false when there is no such key or it was already revoked.</summary>
    Task<bool> RevokeAsync(string accountId, string keyId, CancellationToken cancellationToken);

    /// <summary>Replaces the key's expiry, restrictions, budget and limits. Returns the updated record, or null
    /// when the account has no such key. Throws <see cref="ArgumentException"/> when the limits are invalid.</summary>
    Task<ApiKeyRecord?> UpdateLimitsAsync(string accountId, string keyId, ApiKeyLimits limits, CancellationToken cancellationToken);

    /// <summary>Every key usable at <paramref name="now"/> (not revoked, not expired, account enabled), with the
    /// version they are current as of: warms the in-memory key cache.</summary>
    Task<KeyChanges> ListActiveAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The current key-store version: it grows with every change to any key or key-owning account.</summary>
    Task<long> GetVersionAsync(CancellationToken cancellationToken);

    /// <summary>Every key changed after <paramref name="version"/> (revoked ones included, so a cache drops them)
    /// and the version to ask from next time.</summary>
    Task<KeyChanges> GetChangedSinceAsync(long version, CancellationToken cancellationToken);

    /// <summary>True when a live (not revoked, not expired) operator key exists.</summary>
    Task<bool> HasOperatorKeyAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
