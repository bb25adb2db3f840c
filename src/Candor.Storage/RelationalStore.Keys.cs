using Candor.Core.Accounts;
using Candor.Storage.Sqlite;
using System.Data.Common;

namespace Candor.Storage;

internal abstract partial class RelationalStore
{
    /// <inheritdoc/>
    public Task<CreatedApiKey?> CreateKeyAsync(string accountId, string name, ApiKeyLimits limits, bool isOperator, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ThrowIfInvalid(limits);
        return _db.WriteAsync(async (c, tx) =>
            await AccountExistsAsync(c, tx, accountId, cancellationToken).ConfigureAwait(false)
                ? await InsertKeyAsync(c, tx, accountId, name, limits, isOperator, cancellationToken).ConfigureAwait(false)
                : null,
            cancellationToken);
    }

    private async Task<CreatedApiKey?> InsertKeyAsync(
        DbConnection c, DbTransaction tx, string accountId, string name, ApiKeyLimits limits, bool isOperator, CancellationToken cancellationToken)
    {
        string plaintext = ApiKeyFormat.NewKey();
        string id = EntityIds.New(EntityIds.Key);
        long version = await NextKeyVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
        using (var insert = Command(c, tx, ApiKeysSql.Insert)
            .Add("@id", id)
            .Add("@account_id", accountId)
            .Add("@name", name)
            .Add("@display_prefix", ApiKeyFormat.DisplayPrefix(plaintext))
            .Add("@key_hash", _hasher.Hash(plaintext))
            .Add("@created_at", DbValues.ToMillis(Now()))
            .Add("@is_operator", isOperator ? 1 : 0)
            .Add("@version", version))
        {
            ApiKeysSql.BindLimits(insert, limits);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var record = await SelectKeyAsync(c, tx, accountId, id, cancellationToken).ConfigureAwait(false);
        return new CreatedApiKey(plaintext, record!);
    }

    /// <inheritdoc/>
    public Task<ApiKeyRecord?> GetKeyAsync(string accountId, string keyId, CancellationToken cancellationToken) =>
        _db.ReadAsync((c, tx) => SelectKeyAsync(c, tx, accountId, keyId, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task<ApiKeyRecord?> GetByHashAsync(string hash, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, ApiKeysSql.SelectByHash).Add("@key_hash", hash);
            return await QuerySingleAsync(select, ApiKeysSql.Read, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<ApiKeyRecord>> ListKeysAsync(string accountId, CancellationToken cancellationToken) =>
        _db.ReadAsync<IReadOnlyList<ApiKeyRecord>>(async (c, tx) =>
        {
            using var select = Command(c, tx, ApiKeysSql.SelectByAccount).Add("@account_id", accountId);
            return await QueryAsync(select, ApiKeysSql.Read, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> RevokeAsync(string accountId, string keyId, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            long version = await NextKeyVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
            using var revoke = Command(c, tx, ApiKeysSql.Revoke)
                .Add("@now", DbValues.ToMillis(Now()))
                .Add("@version", version)
                .Add("@id", keyId)
                .Add("@account_id", accountId);
            return await revoke.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<ApiKeyRecord?> UpdateLimitsAsync(string accountId, string keyId, ApiKeyLimits limits, CancellationToken cancellationToken)
    {
        ThrowIfInvalid(limits);
        return _db.WriteAsync(async (c, tx) =>
        {
            long version = await NextKeyVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
            using (var update = Command(c, tx, ApiKeysSql.UpdateLimits).Add("@version", version).Add("@id", keyId).Add("@account_id", accountId))
            {
                ApiKeysSql.BindLimits(update, limits);
                if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    return null;
                }
            }

            return await SelectKeyAsync(c, tx, accountId, keyId, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<KeyChanges> ListActiveAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            long version = await SelectKeyVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
            using var select = Command(c, tx, ApiKeysSql.SelectActive).Add("@now", DbValues.ToMillis(now));
            return new KeyChanges(version, await QueryAsync(select, ApiKeysSql.Read, cancellationToken).ConfigureAwait(false));
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<long> GetVersionAsync(CancellationToken cancellationToken) =>
        _db.ReadAsync((c, tx) => SelectKeyVersionAsync(c, tx, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task<KeyChanges> GetChangedSinceAsync(long version, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            long current = await SelectKeyVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
            using var select = Command(c, tx, ApiKeysSql.SelectChangedSince).Add("@version", version);
            return new KeyChanges(current, await QueryAsync(select, ApiKeysSql.Read, cancellationToken).ConfigureAwait(false));
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> HasOperatorKeyAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        _db.ReadAsync((c, tx) => LiveOperatorKeyExistsAsync(c, tx, now, cancellationToken), cancellationToken);

    /// <summary>Creates the platform operator account and its first operator key, in one transaction, unless a
    /// live operator key exists. Returns the new key (plaintext shown once) or null.</summary>
    internal Task<CreatedApiKey?> CreateOperatorIfMissingAsync(CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            var now = Now();
            if (await LiveOperatorKeyExistsAsync(c, tx, now, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var account = new Account(EntityIds.New(EntityIds.Account), "Platform operator", Account.DefaultGroup, now, Disabled: false);
            await InsertAccountAsync(c, tx, account, cancellationToken).ConfigureAwait(false);
            return await InsertKeyAsync(c, tx, account.Id, "operator", ApiKeyLimits.None, isOperator: true, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    private static async Task<bool> LiveOperatorKeyExistsAsync(DbConnection c, DbTransaction tx, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var count = Command(c, tx, ApiKeysSql.CountLiveOperatorKeys).Add("@now", DbValues.ToMillis(now));
        return await ScalarInt64Async(count, cancellationToken).ConfigureAwait(false) > 0;
    }

    private static async Task<ApiKeyRecord?> SelectKeyAsync(DbConnection c, DbTransaction tx, string accountId, string keyId, CancellationToken cancellationToken)
    {
        using var select = Command(c, tx, ApiKeysSql.SelectById).Add("@id", keyId).Add("@account_id", accountId);
        return await QuerySingleAsync(select, ApiKeysSql.Read, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<long> NextKeyVersionAsync(DbConnection c, DbTransaction tx, CancellationToken cancellationToken)
    {
        using var increment = Command(c, tx, CountersSql.Increment).Add("@name", CountersSql.KeysVersion);
        return await ScalarInt64Async(increment, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<long> SelectKeyVersionAsync(DbConnection c, DbTransaction tx, CancellationToken cancellationToken)
    {
        using var select = Command(c, tx, CountersSql.Select).Add("@name", CountersSql.KeysVersion);
        return await ScalarInt64Async(select, cancellationToken).ConfigureAwait(false);
    }

    private static void ThrowIfInvalid(ApiKeyLimits limits)
    {
        if (limits.Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(limits));
        }
    }
}
