using System.Collections.Concurrent;

namespace Candor.Core.Receipts;

/// <summary>Receipts in memory, for a Candor without a data directory: the newest <see cref="Capacity"/> are
/// kept, nothing survives a restart.</summary>
internal sealed class MemoryReceiptStore(int capacity = 10_000) : IReceiptStore
{
    private readonly ConcurrentDictionary<string, StoredReceipt> _byId = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    /// <summary>How many receipts are kept.</summary>
    public int Capacity => capacity;

    /// <summary>How many receipts are held.</summary>
    public int Count => _byId.Count;

    /// <inheritdoc/>
    public Task SaveAsync(StoredReceipt receipt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        _byId[receipt.Id] = receipt;
        _order.Enqueue(receipt.Id);
        while (_order.Count > capacity && _order.TryDequeue(out var old))
        {
            _byId.TryRemove(old, out _);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<StoredReceipt?> GetAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult(_byId.TryGetValue(id, out var r) ? r : null);

    /// <inheritdoc/>
    public Task SetLeafIndicesAsync(IReadOnlyList<(string Id, long LeafIndex)> indices, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(indices);
        foreach (var (id, leafIndex) in indices)
        {
            if (_byId.TryGetValue(id, out var r))
            {
                _byId[id] = r with { LeafIndex = leafIndex };
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<StoredReceipt>> ListUnloggedAsync(int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredReceipt>>([.. _byId.Values.Where(static r => r.LeafIndex is null).OrderBy(static r => r.CreatedAt).Take(limit)]);
}
