using Candor.Core.WebConsole;
using System.Data.Common;

namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>console_totp</c>, <c>console_recovery_codes</c> and <c>console_challenges</c>, and
/// their row mappings. Portable SQL (PostgreSQL accepts it unchanged).</summary>
internal static class TotpSql
{
    public const string Select = "SELECT principal, secret, secret_key_id, enabled, last_step FROM console_totp WHERE principal = @principal";

    /// <summary>Stores an unconfirmed secret; a confirmed one is left alone (the update's condition).</summary>
    public const string UpsertUnconfirmed = """
        INSERT INTO console_totp (principal, secret, secret_key_id, enabled, last_step, created_at)
        VALUES (@principal, @secret, @secret_key_id, 0, 0, @now)
        ON CONFLICT (principal) DO UPDATE SET secret = excluded.secret, secret_key_id = excluded.secret_key_id,
            last_step = 0, created_at = excluded.created_at
        WHERE console_totp.enabled = 0
        """;

    public const string Enable = "UPDATE console_totp SET enabled = 1, last_step = @step WHERE principal = @principal AND enabled = 0 AND last_step < @step";

    /// <summary>The one write that accepts a code: only for a step later than every step accepted before.</summary>
    public const string ClaimStep = "UPDATE console_totp SET last_step = @step WHERE principal = @principal AND enabled = 1 AND last_step < @step";

    public const string Delete = "DELETE FROM console_totp WHERE principal = @principal";

    public const string SelectAllSecrets = "SELECT principal, secret FROM console_totp ORDER BY principal";

    public const string UpdateSecret = "UPDATE console_totp SET secret = @secret, secret_key_id = @secret_key_id WHERE principal = @principal";

    public const string DeleteRecoveryCodes = "DELETE FROM console_recovery_codes WHERE principal = @principal";

    public const string InsertRecoveryCode = "INSERT INTO console_recovery_codes (principal, code_hash) VALUES (@principal, @code_hash)";

    public const string UseRecoveryCode = "DELETE FROM console_recovery_codes WHERE principal = @principal AND code_hash = @code_hash";

    public const string InsertChallenge = "INSERT INTO console_challenges (token_hash, principal, expires_at, failures) VALUES (@token_hash, @principal, @expires_at, 0)";

    public const string DeleteExpiredChallenges = "DELETE FROM console_challenges WHERE expires_at <= @now";

    public const string SelectChallenge = "SELECT token_hash, principal, expires_at, failures FROM console_challenges WHERE token_hash = @token_hash AND expires_at > @now";

    public const string FailChallenge = "UPDATE console_challenges SET failures = failures + 1 WHERE token_hash = @token_hash";

    public const string DeleteFailedChallenge = "DELETE FROM console_challenges WHERE token_hash = @token_hash AND failures >= @max";

    public const string DeleteChallenge = "DELETE FROM console_challenges WHERE token_hash = @token_hash";

    public static TotpEnrolment Read(DbDataReader r) => new(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetFlag(3), r.GetInt64(4));

    public static ConsoleChallenge ReadChallenge(DbDataReader r) => new(r.GetString(0), r.GetString(1), r.GetTime(2), r.GetInt32(3));
}
