namespace Candor.Core.Accounts.Redemptions;

/// <summary>Redemption codes: prepaid credit an operator sells or gives away. Codes are stored only as keyed hashes;
/// redeeming one marks it used with a conditional update in the same transaction as its ledger entry, so a code
/// credits exactly once however many attempts race for it, on one node or several (docs/business.md).</summary>
internal interface IRedemptionStore
{
    /// <summary>Creates <see cref="RedemptionBatchSpec.Count"/> codes in one transaction. The result carries the
    /// plaintext codes, which are not stored and cannot be read again. Returns null when the spec names an account
    /// that does not exist. Throws <see cref="ArgumentException"/> when the spec is invalid.</summary>
    Task<CreatedRedemptionBatch?> CreateBatchAsync(RedemptionBatchSpec spec, CancellationToken cancellationToken);

    /// <summary>The batch's codes (terms and state, never the codes themselves), oldest first; empty when there is no such batch.</summary>
    Task<IReadOnlyList<RedemptionCode>> ListBatchAsync(string batchId, CancellationToken cancellationToken);

    /// <summary>One page of the batch's codes, newest first (keyset over created_at and id, like the other stored lists);
    /// the first page is empty when there is no such batch. Throws <see cref="ArgumentException"/> for a bad cursor.</summary>
    Task<Page<RedemptionCode>> ListBatchPageAsync(string batchId, int limit, string? cursor, CancellationToken cancellationToken);

    /// <summary>Redeems the presented code for the account: when the code exists, is unused, unexpired and open to
    /// the account, marks it redeemed and credits its amount with one ledger entry, all in one transaction.</summary>
    Task<RedemptionResult> RedeemAsync(string presentedCode, string accountId, CancellationToken cancellationToken);

    /// <summary>As <see cref="RedeemAsync(string, string, CancellationToken)"/>, with the brute-force limit in the same
    /// transaction: the counters of <paramref name="limits"/> are held first (their rows locked until the commit, so
    /// redemptions against one counter take turns, on PostgreSQL as on SQLite), the attempt is refused
    /// (<see cref="RedemptionOutcome.Throttled"/>, the code not looked at) when one has its bound of unknown codes, and an
    /// unknown code is counted on every counter before the commit. Check and count are one step: concurrent guesses
    /// cannot pass the bound together, and a crowd racing for one real code is not throttled (only unknown codes count).</summary>
    Task<RedemptionResult> RedeemAsync(string presentedCode, string accountId, RedemptionLimits? limits, CancellationToken cancellationToken);
}
