using Candor.Core.WebConsole;
using System.Data.Common;

namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>console_signups</c> and <c>signup_grants</c>. Portable SQL (PostgreSQL accepts it
/// unchanged).</summary>
internal static class SignUpSql
{
    public const string CountByAddress = "SELECT COUNT(*) FROM console_signups WHERE address = @address AND created_at > @since";

    public const string CountByDomain = "SELECT COUNT(*) FROM console_signups WHERE domain = @domain AND created_at > @since";

    public const string DeleteStale = "DELETE FROM console_signups WHERE expires_at <= @now AND created_at <= @since";

    public const string Insert = """
        INSERT INTO console_signups (token_hash, email, domain, address, created_at, expires_at)
        VALUES (@token_hash, @email, @domain, @address, @created_at, @expires_at)
        """;

    /// <summary>The one write that decides a verification: it succeeds for exactly one caller per token, on any number
    /// of nodes, because the row is claimed only while <c>verified_at</c> is still empty.</summary>
    public const string Claim = """
        UPDATE console_signups SET verified_at = @now
        WHERE token_hash = @token_hash AND verified_at IS NULL AND expires_at > @now
        """;

    public const string SelectEmail = "SELECT email FROM console_signups WHERE token_hash = @token_hash";

    public const string InsertLogin = """
        INSERT INTO console_logins (principal, password_hash, is_operator, created_at, updated_at)
        VALUES (@principal, @password_hash, 0, @now, @now)
        """;

    public const string LoginExists = "SELECT COUNT(*) FROM console_logins WHERE principal = @principal";

    public const string InsertGrant = """
        INSERT INTO signup_grants (account_id, principal, ledger_id, created_at) VALUES (@account_id, @principal, @ledger_id, @created_at)
        """;

    public const string SelectInvitation = """
        SELECT token_hash, principal, is_operator, created_at, expires_at, account_id, role FROM console_invitations
        WHERE token_hash = @token_hash AND expires_at > @now
        """;

    public static DbCommand Bind(DbCommand command, PendingSignUp signUp) => command
        .Add("@token_hash", signUp.TokenHash)
        .Add("@email", signUp.Email)
        .Add("@domain", signUp.Domain)
        .Add("@address", signUp.Address)
        .Add("@created_at", DbValues.ToMillis(signUp.CreatedAt))
        .Add("@expires_at", DbValues.ToMillis(signUp.ExpiresAt));
}
