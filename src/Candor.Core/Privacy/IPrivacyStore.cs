namespace Candor.Core.Privacy;

/// <summary>Durable privacy state: stored policies of accounts and keys, and the encrypted opt-in history with its
/// sealed data keys. Nothing here is read on a request's path: policies are loaded into
/// <see cref="PrivacyDirectory"/> and history is written by <see cref="HistoryRecorder"/> in the background.</summary>
internal interface IPrivacyStore
{
    /// <summary>Every stored policy.</summary>
    Task<IReadOnlyList<StoredPrivacy>> ListPrivacyAsync(CancellationToken cancellationToken);

    /// <summary>Stores (replaces) the policy of an account or key; false when the account or key does not exist.</summary>
    Task<bool> SetPrivacyAsync(StoredPrivacy policy, CancellationToken cancellationToken);

    /// <summary>The account's live data key, or null when it has none.</summary>
    Task<HistoryDataKey?> GetHistoryKeyAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="candidate"/> as the account's data key unless it already has one; returns the
    /// key in force.</summary>
    Task<HistoryDataKey> AddHistoryKeyAsync(HistoryDataKey candidate, CancellationToken cancellationToken);

    /// <summary>Appends entries in one transaction.</summary>
    Task AppendHistoryAsync(IReadOnlyList<HistoryEntry> entries, CancellationToken cancellationToken);

    /// <summary>The account's entries, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<HistoryEntry>> ListHistoryAsync(string accountId, int limit, CancellationToken cancellationToken);

    /// <summary>One page of the account's entries, newest first: at most <paramref name="limit"/>, after the
    /// <see cref="Accounts.Page{T}.NextCursor"/> of the page before (null for the first). Every store of the server
    /// implements it; stores without keyset paging (tests' in-memory ones) refuse.</summary>
    Task<Accounts.Page<HistoryEntry>> ListHistoryPageAsync(string accountId, int limit, string? cursor, CancellationToken cancellationToken) =>
        throw new NotSupportedException("This store does not page the history.");

    /// <summary>Crypto-shredding: destroys the account's data key and deletes its entries, overwriting the freed
    /// space and truncating the journal so the sealed key leaves the database files. Returns the entries deleted.</summary>
    Task<int> EraseHistoryAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>Deletes every entry whose expiry is at or before <paramref name="now"/>; returns how many.</summary>
    Task<int> PurgeHistoryAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
