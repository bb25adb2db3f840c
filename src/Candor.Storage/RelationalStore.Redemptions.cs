using Candor.Core.Accounts;
using Candor.Core.Accounts.Redemptions;
using Candor.Storage.Sqlite;

namespace Candor.Storage;

internal abstract partial class RelationalStore : IRedemptionStore
{
    /// <inheritdoc/>
    public Task<CreatedRedemptionBatch?> CreateBatchAsync(RedemptionBatchSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var now = Now();
        if (spec.Validate(now) is { } problem)
        {
            throw new ArgumentException(problem.Message, problem.Field);
        }

        return _db.WriteAsync(async (c, tx) =>
        {
            if (spec.AccountId is { } accountId && !await AccountExistsAsync(c, tx, accountId, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            string batchId = EntityIds.New("rcb");
            var codes = new List<(string Id, string Code)>(spec.Count);
            for (int i = 0; i < spec.Count; i++)
            {
                string code = RedemptionCodeFormat.NewCode();
                var record = new RedemptionCode
                {
                    Id = EntityIds.New("rcd"),
                    BatchId = batchId,
                    AmountMicros = spec.AmountMicros,
                    CreatedAt = now,
                    ExpiresAt = spec.ExpiresAt,
                    Group = spec.Group,
                    AccountId = spec.AccountId,
                    Note = spec.Note,
                };
                var insert = RedemptionsSql.Bind(_db.Prepared(c, tx, RedemptionsSql.Insert), record, _hasher.Hash(code));
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                codes.Add((record.Id, code));
            }

            return new CreatedRedemptionBatch(batchId, codes, spec);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<RedemptionCode>> ListBatchAsync(string batchId, CancellationToken cancellationToken) =>
        _db.ReadAsync<IReadOnlyList<RedemptionCode>>(async (c, tx) =>
        {
            using var select = Command(c, tx, RedemptionsSql.SelectByBatch).Add("@batch_id", batchId);
            return await QueryAsync(select, RedemptionsSql.Read, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<Page<RedemptionCode>> ListBatchPageAsync(string batchId, int limit, string? cursor, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, RedemptionsSql.SelectByBatchPage).Add("@batch_id", batchId);
            return await PageAsync(select, cursor, limit, RedemptionsSql.Read, static r => new PageCursor(DbValues.ToMillis(r.CreatedAt), r.Id), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<RedemptionResult> RedeemAsync(string presentedCode, string accountId, CancellationToken cancellationToken) =>
        RedeemAsync(presentedCode, accountId, null, cancellationToken);

    /// <inheritdoc/>
    public async Task<RedemptionResult> RedeemAsync(string presentedCode, string accountId, RedemptionLimits? limits, CancellationToken cancellationToken)
    {
        // Hashed before the transaction, found or not, so the time taken does not depend on the guess.
        string? normalized = RedemptionCodeFormat.Normalize(presentedCode);
        string hash = _hasher.Hash(normalized ?? "-");
        if (normalized is null)
        {
            return new RedemptionResult(RedemptionOutcome.Unknown);
        }

        bool windowStarted = false;
        var result = await _db.WriteAsync(async (c, tx) =>
        {
            var now = Now();
            if (limits is not null)
            {
                // Held first, in name order (as every holder of two counters does, so no two wait for each other): the rows
                // stay locked until the commit.
                TimeSpan? wait = null;
                foreach (string counter in limits.Counters.Order(StringComparer.Ordinal))
                {
                    using var touch = Command(c, tx, AttemptsSql.Touch).Add("@name", counter)
                        .Add("@now", DbValues.ToMillis(limits.Now)).Add("@expires", DbValues.ToMillis(limits.Now + limits.Window));
                    var held = (await QuerySingleAsync(touch, ReadCount, cancellationToken).ConfigureAwait(false))!;
                    windowStarted |= held.Failures == 0 && held.WindowStart == limits.Now;
                    if (held.Failures >= limits.Bound && held.WindowStart + limits.Window - limits.Now is var left && (wait is null || left > wait))
                    {
                        wait = left;
                    }
                }

                if (wait is not null)
                {
                    return new RedemptionResult(RedemptionOutcome.Throttled, RetryAfter: wait);
                }
            }

            RedemptionCode? code;
            using (var select = Command(c, tx, RedemptionsSql.SelectByHash).Add("@code_hash", hash))
            {
                code = await QuerySingleAsync(select, RedemptionsSql.Read, cancellationToken).ConfigureAwait(false);
            }

            if (code is null)
            {
                foreach (string counter in limits?.Counters ?? [])
                {
                    using var guess = Command(c, tx, AttemptsSql.AddFailure).Add("@name", counter);
                    await guess.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                return new RedemptionResult(RedemptionOutcome.Unknown);
            }

            Account? account;
            using (var selectAccount = Command(c, tx, AccountsSql.SelectById).Add("@id", accountId))
            {
                account = await QuerySingleAsync(selectAccount, AccountsSql.Read, cancellationToken).ConfigureAwait(false);
            }

            if (code.RedeemedAt is not null)
            {
                return new RedemptionResult(RedemptionOutcome.AlreadyRedeemed, CodeId: code.Id);
            }

            if (code.ExpiresAt is { } expires && now >= expires)
            {
                return new RedemptionResult(RedemptionOutcome.Expired, CodeId: code.Id);
            }

            if (account is null || (code.AccountId is { } only && only != accountId) || (code.Group is { } group && group != account.Group))
            {
                return new RedemptionResult(RedemptionOutcome.NotForAccount, CodeId: code.Id);
            }

            var entry = new LedgerEntry
            {
                Id = EntityIds.NewSequential(EntityIds.Ledger, now),
                AccountId = accountId,
                Kind = LedgerKind.TopUp,
                AmountMicros = code.AmountMicros,
                CreatedAt = now,
                Note = code.Note.Length > 0 ? $"redeemed code {code.Id}: {code.Note}" : $"redeemed code {code.Id}",
            };

            // The conditional claim decides: a racing redemption that read the row unused before this commit finds
            // redeemed_at set here and claims nothing (on PostgreSQL too, where the row lock serialises the updates).
            using (var claim = Command(c, tx, RedemptionsSql.Claim)
                .Add("@now", DbValues.ToMillis(now)).Add("@account_id", accountId).Add("@ledger_id", entry.Id).Add("@id", code.Id))
            {
                if (await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
                {
                    return new RedemptionResult(RedemptionOutcome.AlreadyRedeemed, CodeId: code.Id);
                }
            }

            return await ApplyEntryAsync(c, tx, entry, cancellationToken).ConfigureAwait(false)
                ? new RedemptionResult(RedemptionOutcome.Redeemed, entry, code.Id)
                : throw new InvalidOperationException("The account vanished inside the redemption's transaction.");
        }, cancellationToken).ConfigureAwait(false);

        if (windowStarted && limits is not null)
        {
            await PruneAttemptsAsync(limits.Now, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }
}
