using Candor.Core.Accounts;
using Candor.Core.WebConsole;
using Candor.Storage.Sqlite;
using System.Data.Common;

namespace Candor.Storage;

internal abstract partial class RelationalStore : ISignUpStore
{
    /// <inheritdoc/>
    public Task<SignUpAdmission> AddSignUpAsync(PendingSignUp signUp, int perAddress, int perDomain, DateTimeOffset since, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signUp);
        return _db.WriteAsync(async (c, tx) =>
        {
            long sinceMillis = DbValues.ToMillis(since);
            long nowMillis = DbValues.ToMillis(signUp.CreatedAt);

            // Count and insert as one step per address and per domain, on PostgreSQL too: concurrent sign-ups from one
            // address (or for one domain) wait here in turn, so they cannot all pass the count before any is inserted.
            // Always the address before the domain (name order, as every holder of two counters): no two wait for each other.
            string[] holds = ["signup:a\n" + signUp.Address, "signup:d\n" + signUp.Domain];
            foreach (string hold in holds)
            {
                using var take = Command(c, tx, AttemptsSql.Hold).Add("@name", hold).Add("@now", nowMillis);
                await take.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var admission = await AdmitSignUpAsync(c, tx, signUp, perAddress, perDomain, sinceMillis, nowMillis, cancellationToken).ConfigureAwait(false);

            // The holds end with the transaction; their rows go with it (a waiting sign-up inserts its own).
            foreach (string hold in holds)
            {
                using var release = Command(c, tx, AttemptsSql.Delete).Add("@name", hold);
                await release.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return admission;
        }, cancellationToken);
    }

    /// <summary>Sign-up's limits counted and the row inserted, under the holds of <see cref="AddSignUpAsync"/>.</summary>
    private static async Task<SignUpAdmission> AdmitSignUpAsync(
        DbConnection c, DbTransaction tx, PendingSignUp signUp, int perAddress, int perDomain, long sinceMillis, long nowMillis, CancellationToken cancellationToken)
    {
        using (var stale = Command(c, tx, SignUpSql.DeleteStale).Add("@now", nowMillis).Add("@since", sinceMillis))
        {
            await stale.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        using (var byAddress = Command(c, tx, SignUpSql.CountByAddress).Add("@address", signUp.Address).Add("@since", sinceMillis))
        {
            if (await ScalarInt64Async(byAddress, cancellationToken).ConfigureAwait(false) >= perAddress)
            {
                return SignUpAdmission.AddressLimited;
            }
        }

        using (var byDomain = Command(c, tx, SignUpSql.CountByDomain).Add("@domain", signUp.Domain).Add("@since", sinceMillis))
        {
            if (await ScalarInt64Async(byDomain, cancellationToken).ConfigureAwait(false) >= perDomain)
            {
                return SignUpAdmission.DomainLimited;
            }
        }

        using var insert = SignUpSql.Bind(Command(c, tx, SignUpSql.Insert), signUp);
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return SignUpAdmission.Accepted;
    }

    /// <inheritdoc/>
    public Task<SignUpCompletion> CompleteSignUpAsync(string tokenHash, string passwordHash, AccountOpening opening, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(passwordHash);
        ArgumentNullException.ThrowIfNull(opening);
        return _db.WriteAsync(async (c, tx) =>
        {
            long now = DbValues.ToMillis(opening.Now);
            using (var claim = Command(c, tx, SignUpSql.Claim).Add("@token_hash", tokenHash).Add("@now", now))
            {
                if (await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
                {
                    return SignUpCompletion.Refused;
                }
            }

            string email;
            using (var select = Command(c, tx, SignUpSql.SelectEmail).Add("@token_hash", tokenHash))
            {
                email = (string)(await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }

            using (var exists = Command(c, tx, SignUpSql.LoginExists).Add("@principal", email))
            {
                if (await ScalarInt64Async(exists, cancellationToken).ConfigureAwait(false) > 0)
                {
                    // Never replaces a password: a login's password changes only through its owner or an invitation.
                    return new SignUpCompletion(null, AlreadyRegistered: true);
                }
            }

            using (var login = Command(c, tx, SignUpSql.InsertLogin).Add("@principal", email).Add("@password_hash", passwordHash).Add("@now", now))
            {
                await login.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var opened = await OpenAccountAsync(c, tx, opening with { Principal = email }, cancellationToken).ConfigureAwait(false);
            return new SignUpCompletion(opened, AlreadyRegistered: false);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<OpenedAccount> OpenAccountAsync(AccountOpening opening, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(opening);
        return _db.WriteAsync((c, tx) => OpenAccountAsync(c, tx, opening, cancellationToken), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ConsoleInvitation?> PeekInvitationAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, SignUpSql.SelectInvitation).Add("@token_hash", tokenHash).Add("@now", DbValues.ToMillis(now));
            return await QuerySingleAsync(select, ConsoleSql.ReadInvitation, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Creates the account, makes the principal its owner and credits the grant as one top-up entry recorded in
    /// <c>signup_grants</c>, whose key is the account: a second grant to one account cannot be written.</summary>
    private async Task<OpenedAccount> OpenAccountAsync(DbConnection c, DbTransaction tx, AccountOpening opening, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(opening.Principal);
        var now = DbValues.FromMillis(DbValues.ToMillis(opening.Now));
        var account = new Account(EntityIds.New(EntityIds.Account), opening.Principal, opening.Group, now, Disabled: false);
        await InsertAccountAsync(c, tx, account, cancellationToken).ConfigureAwait(false);
        using (var owner = Command(c, tx, MembersSql.Upsert)
            .Add("@account_id", account.Id)
            .Add("@principal", opening.Principal)
            .Add("@role", MembersSql.RoleName(AccountRole.Owner))
            .Add("@created_at", DbValues.ToMillis(now)))
        {
            await owner.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (opening.GrantMicros <= 0)
        {
            return new OpenedAccount(opening.Principal, account.Id, null);
        }

        var entry = new LedgerEntry
        {
            Id = EntityIds.NewSequential(EntityIds.Ledger, now),
            AccountId = account.Id,
            Kind = LedgerKind.TopUp,
            AmountMicros = opening.GrantMicros,
            CreatedAt = now,
            Note = "sign-up grant",
        };
        using (var grant = Command(c, tx, SignUpSql.InsertGrant)
            .Add("@account_id", account.Id).Add("@principal", opening.Principal).Add("@ledger_id", entry.Id).Add("@created_at", DbValues.ToMillis(now)))
        {
            await grant.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return await ApplyEntryAsync(c, tx, entry, cancellationToken).ConfigureAwait(false)
            ? new OpenedAccount(opening.Principal, account.Id, entry.Id)
            : throw new InvalidOperationException("The account vanished inside its own opening transaction.");
    }
}
