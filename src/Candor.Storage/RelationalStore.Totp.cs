using System.Data.Common;
using Candor.Core.Security;
using Candor.Core.WebConsole;
using Candor.Storage.Sqlite;

namespace Candor.Storage;

internal abstract partial class RelationalStore : ITotpStore
{
    /// <summary>Re-seals every login's TOTP secret under the ring's current key, inside the master-key rotation's
    /// transaction (a secret that does not open aborts it, so the old key is never retired from under one).</summary>
    private static async Task<int> ResealTotpAsync(DbConnection c, DbTransaction tx, MasterKeyRing ring, CancellationToken cancellationToken)
    {
        List<(string Principal, string Sealed)> rows;
        using (var select = Command(c, tx, TotpSql.SelectAllSecrets))
        {
            rows = await QueryAsync(select, static r => (r.GetString(0), r.GetString(1)), cancellationToken).ConfigureAwait(false);
        }

        foreach (var (principal, sealedSecret) in rows)
        {
            byte[] ad = Totp.AssociatedData(principal);
            byte[] secret = ring.Open(Convert.FromBase64String(sealedSecret), ad);
            byte[] envelope;
            try
            {
                envelope = ring.Seal(secret, ad);
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
            }

            using var update = Command(c, tx, TotpSql.UpdateSecret)
                .Add("@secret", Convert.ToBase64String(envelope))
                .Add("@secret_key_id", (long)MasterKeyRing.KeyIdOf(envelope))
                .Add("@principal", principal);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return rows.Count;
    }

    /// <inheritdoc/>
    public Task<TotpEnrolment?> GetTotpAsync(string principal, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, TotpSql.Select).Add("@principal", principal);
            return await QuerySingleAsync(select, TotpSql.Read, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> StartTotpAsync(TotpEnrolment enrolment, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(enrolment);
        return _db.WriteAsync(async (c, tx) =>
        {
            using var upsert = Command(c, tx, TotpSql.UpsertUnconfirmed)
                .Add("@principal", enrolment.Principal)
                .Add("@secret", enrolment.SealedSecret)
                .Add("@secret_key_id", enrolment.SecretKeyId)
                .Add("@now", DbValues.ToMillis(now));
            return await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> EnableTotpAsync(string principal, long step, IReadOnlyList<string> recoveryCodeHashes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recoveryCodeHashes);
        return _db.WriteAsync(async (c, tx) =>
        {
            using (var enable = Command(c, tx, TotpSql.Enable).Add("@principal", principal).Add("@step", step))
            {
                if (await enable.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
                {
                    return false;
                }
            }

            using (var clear = Command(c, tx, TotpSql.DeleteRecoveryCodes).Add("@principal", principal))
            {
                await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            foreach (string hash in recoveryCodeHashes)
            {
                using var insert = Command(c, tx, TotpSql.InsertRecoveryCode).Add("@principal", principal).Add("@code_hash", hash);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> ClaimTotpStepAsync(string principal, long step, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var claim = Command(c, tx, TotpSql.ClaimStep).Add("@principal", principal).Add("@step", step);
            return await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> UseRecoveryCodeAsync(string principal, string codeHash, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var use = Command(c, tx, TotpSql.UseRecoveryCode).Add("@principal", principal).Add("@code_hash", codeHash);
            return await use.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> DeleteTotpAsync(string principal, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var codes = Command(c, tx, TotpSql.DeleteRecoveryCodes).Add("@principal", principal);
            await codes.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            using var delete = Command(c, tx, TotpSql.Delete).Add("@principal", principal);
            return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task CreateChallengeAsync(ConsoleChallenge challenge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        return _db.WriteAsync(async (c, tx) =>
        {
            using (var expired = Command(c, tx, TotpSql.DeleteExpiredChallenges).Add("@now", DbValues.ToMillis(Now())))
            {
                await expired.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            using var insert = Command(c, tx, TotpSql.InsertChallenge)
                .Add("@token_hash", challenge.TokenHash)
                .Add("@principal", challenge.Principal)
                .Add("@expires_at", DbValues.ToMillis(challenge.ExpiresAt));
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ConsoleChallenge?> GetChallengeAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, TotpSql.SelectChallenge).Add("@token_hash", tokenHash).Add("@now", DbValues.ToMillis(now));
            return await QuerySingleAsync(select, TotpSql.ReadChallenge, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task FailChallengeAsync(string tokenHash, int maxFailures, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var fail = Command(c, tx, TotpSql.FailChallenge).Add("@token_hash", tokenHash);
            await fail.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            using var delete = Command(c, tx, TotpSql.DeleteFailedChallenge).Add("@token_hash", tokenHash).Add("@max", maxFailures);
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> TakeChallengeAsync(string tokenHash, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var delete = Command(c, tx, TotpSql.DeleteChallenge).Add("@token_hash", tokenHash);
            return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);
}
