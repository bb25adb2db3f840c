using Candor.Core.Accounts;

namespace Candor.Core.WebConsole;

/// <summary>Which console login created (owns) an account's key. Account members below admin see and manage only
/// the keys they own; owners, admins and operators see every key. A key created with an operator key has no owner.</summary>
internal interface IKeyOwners
{
    /// <summary>Records <paramref name="principal"/> as the owner of the key (replacing any earlier owner).</summary>
    Task SetKeyOwnerAsync(string accountId, string keyId, string principal, CancellationToken cancellationToken);

    /// <summary>Creates a key for the account owned by <paramref name="principal"/>: the key and its owner in one
    /// transaction, so no crash leaves a key its creator cannot see. Null when the account does not exist; otherwise as
    /// <see cref="IKeyStore.CreateKeyAsync"/>.</summary>
    Task<CreatedApiKey?> CreateOwnedKeyAsync(string accountId, string name, ApiKeyLimits limits, string principal, CancellationToken cancellationToken);

    /// <summary>The owner of the key in that account, or null.</summary>
    Task<string?> GetKeyOwnerAsync(string accountId, string keyId, CancellationToken cancellationToken);

    /// <summary>The ids of the account's keys that <paramref name="principal"/> owns.</summary>
    Task<IReadOnlySet<string>> ListOwnedKeysAsync(string accountId, string principal, CancellationToken cancellationToken);
}
