using Candor.Core.WebConsole;
using System.Data.Common;

namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>console_logins</c>, <c>console_sessions</c> and <c>console_invitations</c>, and
/// their row mappings. Portable SQL (PostgreSQL accepts it unchanged).</summary>
internal static class ConsoleSql
{
    public const string SelectLogin = "SELECT principal, password_hash, is_operator, updated_at FROM console_logins WHERE principal = @principal";

    public const string UpsertLogin = """
        INSERT INTO console_logins (principal, password_hash, is_operator, created_at, updated_at)
        VALUES (@principal, @password_hash, @is_operator, @updated_at, @updated_at)
        ON CONFLICT (principal) DO UPDATE SET password_hash = excluded.password_hash, is_operator = excluded.is_operator, updated_at = excluded.updated_at
        """;

    public const string DeleteSessionsOfPrincipal = "DELETE FROM console_sessions WHERE principal = @principal";

    public const string InsertSession = """
        INSERT INTO console_sessions (token_hash, principal, created_at, expires_at) VALUES (@token_hash, @principal, @created_at, @expires_at)
        """;

    public const string SelectSession = "SELECT token_hash, principal, created_at, expires_at FROM console_sessions WHERE token_hash = @token_hash AND expires_at > @now";

    public const string DeleteSession = "DELETE FROM console_sessions WHERE token_hash = @token_hash";

    public const string DeleteExpiredSessions = "DELETE FROM console_sessions WHERE expires_at <= @now";

    public const string DeleteExpiredInvitations = "DELETE FROM console_invitations WHERE expires_at <= @now";

    public const string InsertInvitation = """
        INSERT INTO console_invitations (token_hash, principal, is_operator, created_at, expires_at, account_id, role)
        VALUES (@token_hash, @principal, @is_operator, @created_at, @expires_at, @account_id, @role)
        """;

    public const string SelectInvitation = "SELECT token_hash, principal, is_operator, created_at, expires_at, account_id, role FROM console_invitations WHERE token_hash = @token_hash AND expires_at > @now";

    public const string DeleteInvitation = "DELETE FROM console_invitations WHERE token_hash = @token_hash";

    public static ConsoleLogin ReadLogin(DbDataReader r) => new(r.GetString(0), r.GetString(1), r.GetFlag(2), r.GetTime(3));

    public static ConsoleSession ReadSession(DbDataReader r) => new(r.GetString(0), r.GetString(1), r.GetTime(2), r.GetTime(3));

    public static ConsoleInvitation ReadInvitation(DbDataReader r) => new(r.GetString(0), r.GetString(1), r.GetFlag(2), r.GetTime(3), r.GetTime(4), r.GetStringOrNull(5), r.GetStringOrNull(6));
}
