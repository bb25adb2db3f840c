using Candor.Core.Accounts;
using Candor.Core.WebConsole;
using Candor.Storage.Sqlite;

namespace Candor.Storage;

internal abstract partial class RelationalStore : IConsoleLists
{
    /// <inheritdoc/>
    public Task<Page<Member>> ListMembersPageAsync(string accountId, int limit, string? cursor, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            int take = PageCursor.ClampLimit(limit);
            using var select = Command(c, tx, ConsoleListsSql.MembersPage)
                .Add("@account_id", accountId)
                .Add("@cursor", cursor ?? "")
                .Add("@limit", take + 1);
            var rows = await QueryAsync(select, MembersSql.Read, cancellationToken).ConfigureAwait(false);
            if (rows.Count <= take)
            {
                return new Page<Member>(rows, null);
            }

            rows.RemoveAt(rows.Count - 1);
            return new Page<Member>(rows, rows[^1].Principal);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<Page<ApiKeyRecord>> ListKeysPageAsync(string accountId, string? owner, int limit, string? cursor, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, owner is null ? ConsoleListsSql.KeysPage : ConsoleListsSql.OwnedKeysPage).Add("@account_id", accountId);
            if (owner is not null)
            {
                select.Add("@owner", owner);
            }

            return await PageAsync(select, cursor, limit, ApiKeysSql.Read, static k => new PageCursor(DbValues.ToMillis(k.CreatedAt), k.Id), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<CreatedApiKey?> CreateOwnedKeyAsync(string accountId, string name, ApiKeyLimits limits, string principal, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(principal);
        ThrowIfInvalid(limits);
        return _db.WriteAsync(async (c, tx) =>
        {
            if (!await AccountExistsAsync(c, tx, accountId, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var created = await InsertKeyAsync(c, tx, accountId, name, limits, isOperator: false, cancellationToken).ConfigureAwait(false);
            using var owner = Command(c, tx, UsageReportsSql.UpsertOwner)
                .Add("@key_id", created!.Record.Id)
                .Add("@account_id", accountId)
                .Add("@principal", principal)
                .Add("@created_at", DbValues.ToMillis(created.Record.CreatedAt));
            await owner.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return created;
        }, cancellationToken);
    }
}
