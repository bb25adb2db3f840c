using Candor.Core.Accounts;
using Candor.Storage.Sqlite;
using System.Data.Common;

namespace Candor.Storage;

internal abstract partial class RelationalStore
{
    /// <inheritdoc/>
    public async Task<Account> CreateAccountAsync(string name, string group, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var account = new Account(EntityIds.New(EntityIds.Account), name, string.IsNullOrWhiteSpace(group) ? Account.DefaultGroup : group, Now(), Disabled: false);
        await _db.WriteAsync((c, tx) => InsertAccountAsync(c, tx, account, cancellationToken), cancellationToken).ConfigureAwait(false);
        return account;
    }

    private static async Task<bool> InsertAccountAsync(DbConnection c, DbTransaction tx, Account account, CancellationToken cancellationToken)
    {
        using var insert = Command(c, tx, AccountsSql.Insert)
            .Add("@id", account.Id)
            .Add("@name", account.Name)
            .Add("@group", account.Group)
            .Add("@created_at", DbValues.ToMillis(account.CreatedAt));
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc/>
    public Task<Account?> GetAccountAsync(string accountId, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, AccountsSql.SelectById).Add("@id", accountId);
            return await QuerySingleAsync(select, AccountsSql.Read, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<Page<Account>> ListAccountsAsync(int limit, string? cursor, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, AccountsSql.SelectPage);
            return await PageAsync(select, cursor, limit, AccountsSql.Read, static a => new PageCursor(DbValues.ToMillis(a.CreatedAt), a.Id), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<Account?> UpdateAccountAsync(string accountId, string? name, string? group, bool? disabled, CancellationToken cancellationToken)
    {
        if (name is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
        }

        if (group is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(group);
        }

        return _db.WriteAsync(async (c, tx) =>
        {
            using (var update = Command(c, tx, AccountsSql.Update)
                .Add("@id", accountId)
                .Add("@name", DbValues.ToDb(name))
                .Add("@group", DbValues.ToDb(group))
                .Add("@disabled", disabled is { } d ? (d ? 1 : 0) : DBNull.Value))
            {
                if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    return null;
                }
            }

            // Keys carry their account's group and disabled flag, so key caches must see them change.
            if (group is not null || disabled is not null)
            {
                long version = await NextKeyVersionAsync(c, tx, cancellationToken).ConfigureAwait(false);
                using var touch = Command(c, tx, ApiKeysSql.TouchAccountKeys).Add("@version", version).Add("@account_id", accountId);
                await touch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            using var select = Command(c, tx, AccountsSql.SelectById).Add("@id", accountId);
            return await QuerySingleAsync(select, AccountsSql.Read, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> SetMemberAsync(string accountId, string principal, AccountRole role, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(principal);
        string roleName = MembersSql.RoleName(role);
        return _db.WriteAsync(async (c, tx) =>
        {
            if (!await AccountExistsAsync(c, tx, accountId, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            using var upsert = Command(c, tx, MembersSql.Upsert)
                .Add("@account_id", accountId)
                .Add("@principal", principal)
                .Add("@role", roleName)
                .Add("@created_at", DbValues.ToMillis(Now()));
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> RemoveMemberAsync(string accountId, string principal, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var delete = Command(c, tx, MembersSql.Delete).Add("@account_id", accountId).Add("@principal", principal);
            return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<Member>> ListMembersAsync(string accountId, CancellationToken cancellationToken) =>
        _db.ReadAsync<IReadOnlyList<Member>>(async (c, tx) =>
        {
            using var select = Command(c, tx, MembersSql.SelectByAccount).Add("@account_id", accountId);
            return await QueryAsync(select, MembersSql.Read, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<AccountRole?> GetRoleAsync(string accountId, string principal, CancellationToken cancellationToken) =>
        _db.ReadAsync<AccountRole?>(async (c, tx) =>
        {
            using var select = Command(c, tx, MembersSql.SelectRole).Add("@account_id", accountId).Add("@principal", principal);
            return await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string role ? MembersSql.ParseRole(role) : null;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<Member>> ListMembershipsAsync(string principal, CancellationToken cancellationToken) =>
        _db.ReadAsync<IReadOnlyList<Member>>(async (c, tx) =>
        {
            using var select = Command(c, tx, MembersSql.SelectByPrincipal).Add("@principal", principal);
            return await QueryAsync(select, MembersSql.Read, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
}
