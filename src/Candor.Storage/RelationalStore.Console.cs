using Candor.Core.WebConsole;
using Candor.Storage.Sqlite;

namespace Candor.Storage;

internal abstract partial class RelationalStore : IConsoleStore
{
    /// <inheritdoc/>
    public Task<ConsoleLogin?> GetLoginAsync(string principal, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, ConsoleSql.SelectLogin).Add("@principal", principal);
            return await QuerySingleAsync(select, ConsoleSql.ReadLogin, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task SetLoginAsync(ConsoleLogin login, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(login);
        ArgumentException.ThrowIfNullOrWhiteSpace(login.Principal);
        ArgumentException.ThrowIfNullOrWhiteSpace(login.PasswordHash);
        return _db.WriteAsync(async (c, tx) =>
        {
            using (var upsert = Command(c, tx, ConsoleSql.UpsertLogin)
                .Add("@principal", login.Principal)
                .Add("@password_hash", login.PasswordHash)
                .Add("@is_operator", login.IsOperator ? 1 : 0)
                .Add("@updated_at", DbValues.ToMillis(login.UpdatedAt)))
            {
                await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            using var end = Command(c, tx, ConsoleSql.DeleteSessionsOfPrincipal).Add("@principal", login.Principal);
            await end.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task CreateSessionAsync(ConsoleSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        return _db.WriteAsync(async (c, tx) =>
        {
            using var insert = Command(c, tx, ConsoleSql.InsertSession)
                .Add("@token_hash", session.TokenHash)
                .Add("@principal", session.Principal)
                .Add("@created_at", DbValues.ToMillis(session.CreatedAt))
                .Add("@expires_at", DbValues.ToMillis(session.ExpiresAt));
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ConsoleSession?> GetSessionAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, ConsoleSql.SelectSession).Add("@token_hash", tokenHash).Add("@now", DbValues.ToMillis(now));
            return await QuerySingleAsync(select, ConsoleSql.ReadSession, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> DeleteSessionAsync(string tokenHash, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var delete = Command(c, tx, ConsoleSql.DeleteSession).Add("@token_hash", tokenHash);
            return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var sessions = Command(c, tx, ConsoleSql.DeleteExpiredSessions).Add("@now", DbValues.ToMillis(now));
            using var invitations = Command(c, tx, ConsoleSql.DeleteExpiredInvitations).Add("@now", DbValues.ToMillis(now));
            return await sessions.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false)
                + await invitations.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task CreateInvitationAsync(ConsoleInvitation invitation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invitation);
        ArgumentException.ThrowIfNullOrWhiteSpace(invitation.Principal);
        return _db.WriteAsync(async (c, tx) =>
        {
            using var insert = Command(c, tx, ConsoleSql.InsertInvitation)
                .Add("@token_hash", invitation.TokenHash)
                .Add("@principal", invitation.Principal)
                .Add("@is_operator", invitation.IsOperator ? 1 : 0)
                .Add("@created_at", DbValues.ToMillis(invitation.CreatedAt))
                .Add("@expires_at", DbValues.ToMillis(invitation.ExpiresAt))
                .Add("@account_id", invitation.AccountId)
                .Add("@role", invitation.Role);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ConsoleInvitation?> TakeInvitationAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            ConsoleInvitation? invitation;
            using (var select = Command(c, tx, ConsoleSql.SelectInvitation).Add("@token_hash", tokenHash).Add("@now", DbValues.ToMillis(now)))
            {
                invitation = await QuerySingleAsync(select, ConsoleSql.ReadInvitation, cancellationToken).ConfigureAwait(false);
            }

            using var delete = Command(c, tx, ConsoleSql.DeleteInvitation).Add("@token_hash", tokenHash);
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return invitation;
        }, cancellationToken);
}
