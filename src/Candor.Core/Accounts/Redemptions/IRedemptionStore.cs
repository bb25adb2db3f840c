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
}
