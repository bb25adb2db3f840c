using System.Security.Cryptography;
using System.Threading.Channels;
using Candor.Protocols.Buffers;

namespace Candor.Core.Receipts;

/// <summary>Signs receipts in batches, the way group commit writes them: one loop takes every receipt waiting (up to
/// <see cref="MaxBatch"/>) and signs them with one Ed25519 signature over their Merkle root, each receipt carrying its
/// inclusion path (<see cref="ReceiptBatch"/>). A receipt that waits alone is signed alone, exactly as before
/// (<c>alg</c> <c>Ed25519</c>); batches form only when receipts are sealed faster than one signature takes, so the
/// signature's cost per receipt falls as load rises. When nothing else could join a batch (the loop idle, nothing
/// waiting, no other work queued on the thread pool) the caller signs its receipt itself (<see cref="ShouldBatch"/>):
/// the hand-off to the loop would cost more than it saves. Each caller's task completes with its own signed bytes; nothing is
/// stored here, so the durable write that follows holds a complete, verifiable receipt (docs/receipts.md).</summary>
internal sealed class ReceiptBatchSigner : IDisposable
{
    /// <summary>The most receipts under one signature: a path of at most six hashes (about 280 bytes per receipt).</summary>
    public const int MaxBatch = 64;

    private readonly ReceiptSigner _signer;
    private readonly int _maxBatch;
    private readonly byte[] _aloneHead;
    private readonly byte[] _batchHead;
    private readonly byte[] _keyMembers;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly PooledBufferWriter _envelope = new(4096);
    private readonly Task _loop;
    private long _batches;
    private long _signed;
    private int _waiting;
    private int _busy;

    /// <summary>Starts the signing loop.</summary>
    /// <param name="signer">The relay's receipt key.</param>
    /// <param name="maxBatch">The most receipts under one signature (2 to <see cref="MaxBatch"/>).</param>
    public ReceiptBatchSigner(ReceiptSigner signer, int maxBatch = MaxBatch)
    {
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBatch, MaxBatch);
        _signer = signer;
        _maxBatch = maxBatch;
        _aloneHead = ReceiptSealer.SignatureHead(signer);
        using (var w = new PooledBufferWriter(256))
        {
            w.Write(",\"signature\":{\"alg\":"u8);
            CanonicalJsonWriter.String(w, ReceiptBatch.Algorithm);
            w.Write(",\"batch\":{\"index\":"u8);
            _batchHead = w.WrittenSpan.ToArray();
            w.Clear();
            w.Write("},\"key_id\":"u8);
            CanonicalJsonWriter.String(w, signer.KeyId);
            w.Write(",\"key_name\":"u8);
            CanonicalJsonWriter.String(w, signer.Name);
            w.Write(",\"sig\":"u8);
            _keyMembers = w.WrittenSpan.ToArray();
        }

        _loop = Task.Run(RunAsync);
    }

    /// <summary>How many signatures the loop has made.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>How many receipts those signatures cover.</summary>
    public long Signed => Interlocked.Read(ref _signed);

    /// <summary>Whether a receipt sealed now should go to the loop: others wait for it, it is signing (or held), or other
    /// work is queued on the thread pool — requests that may seal before the loop runs. Otherwise no batch can form, and
    /// the caller signs alone on its own thread.</summary>
    public bool ShouldBatch => Volatile.Read(ref _waiting) > 0 || Volatile.Read(ref _busy) > 0 || ThreadPool.PendingWorkItemCount > 0;

    /// <summary>How many receipts wait for the loop.</summary>
    internal int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Queues a receipt's canonical bytes (<paramref name="receipt"/>, which this takes over and disposes); the
    /// task completes with the signed receipt. After <see cref="Dispose"/> the receipt is signed alone, at once.</summary>
    public Task<StoredReceipt> SignAsync(PooledBufferWriter receipt, ReceiptDraft draft, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        ArgumentNullException.ThrowIfNull(draft);
        var pending = new Pending(receipt, draft.Id, draft.OwnerId, draft.AccountId, time);
        Interlocked.Increment(ref _waiting);
        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _waiting);
            // Shutting down: the loop takes nothing more.
            using var envelope = new PooledBufferWriter(receipt.WrittenCount + 256);
            SignAlone(pending, envelope);
            receipt.Dispose();
        }

        return pending.Task;
    }

    /// <summary>Keeps the loop from taking receipts until the returned handle is disposed (tests build a batch of a known
    /// size this way).</summary>
    internal async Task<IDisposable> HoldAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _busy);
        return new Release(this);
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Pending>(_maxBatch);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            await _turn.WaitAsync().ConfigureAwait(false);
            Interlocked.Increment(ref _busy);
            try
            {
                while (batch.Count < _maxBatch && reader.TryRead(out var pending))
                {
                    batch.Add(pending);
                }

                Interlocked.Add(ref _waiting, -batch.Count);

                Sign(batch);
            }
#pragma warning disable CA1031 // Every failure goes to the callers waiting for this batch (their settlement then fails: nothing is stored).
            catch (Exception e)
#pragma warning restore CA1031
            {
                foreach (var pending in batch)
                {
                    pending.TrySetException(e);
                }
            }
            finally
            {
                foreach (var pending in batch)
                {
                    pending.Receipt.Dispose();
                }

                batch.Clear();
                Interlocked.Decrement(ref _busy);
                _turn.Release();
            }
        }
    }

    private void Sign(List<Pending> batch)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _signed, batch.Count);
        if (batch.Count == 1)
        {
            SignAlone(batch[0], _envelope);
            return;
        }

        int count = batch.Count;
        var leaves = new byte[count * ReceiptBatch.HashLength];
        for (int i = 0; i < count; i++)
        {
            ReceiptBatch.Leaf(_sha256, batch[i].Receipt.WrittenSpan, leaves.AsSpan(i * ReceiptBatch.HashLength, ReceiptBatch.HashLength));
        }

        var levels = ReceiptBatch.Levels(leaves, count);
        Span<byte> statement = stackalloc byte[ReceiptBatch.StatementLength];
        ReceiptBatch.Statement(count, levels[^1].AsSpan(0, ReceiptBatch.HashLength), statement);
        Span<byte> signature = stackalloc byte[ReceiptSigner.SignatureLength];
        _signer.Sign(statement, signature);
        for (int i = 0; i < count; i++)
        {
            var w = Begin(batch[i], _envelope);
            w.Write(_batchHead);
            CanonicalJsonWriter.Number(w, i);
            w.Write(",\"path\":["u8);
            int length = ReceiptBatch.PathLength(levels, count, i);
            for (int step = 0; step < length; step++)
            {
                if (step > 0)
                {
                    w.Write(","u8);
                }

                CanonicalJsonWriter.Base64String(w, ReceiptBatch.PathNode(levels, count, i, step));
            }

            w.Write("],\"size\":"u8);
            CanonicalJsonWriter.Number(w, count);
            w.Write(_keyMembers);
            Complete(batch[i], w, signature);
        }
    }

    /// <summary>A receipt signed on its own: the signature over its canonical bytes (the format every receipt had before).</summary>
    private void SignAlone(Pending pending, PooledBufferWriter envelope)
    {
        Span<byte> signature = stackalloc byte[ReceiptSigner.SignatureLength];
        _signer.Sign(pending.Receipt.WrittenSpan, signature);
        var w = Begin(pending, envelope);
        w.Write(_aloneHead);
        Complete(pending, w, signature);
    }

    private static PooledBufferWriter Begin(Pending pending, PooledBufferWriter w)
    {
        w.Clear();
        w.Write("{\"receipt\":"u8);
        w.Write(pending.Receipt.WrittenSpan);
        return w;
    }

    private static void Complete(Pending pending, PooledBufferWriter w, ReadOnlySpan<byte> signature)
    {
        CanonicalJsonWriter.Base64String(w, signature);
        w.Write("}}"u8);
        pending.TrySetResult(new StoredReceipt(pending.Id, pending.OwnerId, pending.AccountId, pending.Time, w.WrittenSpan.ToArray(), null));
    }

    /// <summary>Stops taking receipts, signs those already queued and waits for the loop (at most 30 s).</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _loop.Wait(TimeSpan.FromSeconds(30));
        _sha256.Dispose();
        _envelope.Dispose();
        _turn.Dispose();
    }

    /// <summary>One caller's receipt: its canonical bytes and what its stored row needs.</summary>
    private sealed class Pending(PooledBufferWriter receipt, string id, string ownerId, string? accountId, DateTimeOffset time)
        : TaskCompletionSource<StoredReceipt>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public PooledBufferWriter Receipt { get; } = receipt;

        public string Id { get; } = id;

        public string OwnerId { get; } = ownerId;

        public string? AccountId { get; } = accountId;

        public DateTimeOffset Time { get; } = time;
    }

    private sealed class Release(ReceiptBatchSigner owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Interlocked.Decrement(ref owner._busy);
                owner._turn.Release();
            }
        }
    }
}
