namespace Candor.Core.Receipts;

/// <summary>Where signed receipts are kept: SQLite with a data directory (durable before the response completes),
/// else a bounded in-memory store.</summary>
internal interface IReceiptStore
{
    /// <summary>Stores a receipt; when the task completes it survives a crash (durable stores).</summary>
    Task SaveAsync(StoredReceipt receipt, CancellationToken cancellationToken);

    /// <summary>The receipt with <paramref name="id"/>, or null.</summary>
    Task<StoredReceipt?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Records receipts' leaf indices in the transparency log (one write for the whole list).</summary>
    Task SetLeafIndicesAsync(IReadOnlyList<(string Id, long LeafIndex)> indices, CancellationToken cancellationToken);

    /// <summary>Receipts not yet appended to the log, oldest first (after a restart).</summary>
    Task<IReadOnlyList<StoredReceipt>> ListUnloggedAsync(int limit, CancellationToken cancellationToken);
}
