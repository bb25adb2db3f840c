using System.Buffers.Binary;
using System.Threading.Channels;
using Candor.Protocols.Buffers;
using Candor.Transparency.Merkle;
using Microsoft.Win32.SafeHandles;

namespace Candor.Transparency.Log;

/// <summary>The append-only journal of entries (<c>entries.journal</c>): each record is a big-endian uint32 length,
/// the entry, and its 32-byte leaf hash (which doubles as the record's checksum). Appends are group-committed:
/// one writer drains every waiting append, writes them with one write and one fsync, and only then assigns
/// their indexes and completes them. A record torn by a crash can only be at the tail, was never acknowledged,
/// and is cut off when the journal is opened.</summary>
internal sealed class EntryJournal : IAsyncDisposable
{
    /// <summary>The journal's file name in the log directory.</summary>
    public const string FileName = "entries.journal";

    private const int MaxBatch = 4096;

    private readonly SafeFileHandle _handle;
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Action<IReadOnlyList<JournalRecord>> _onDurable;
    private readonly TimeProvider _time;
    private readonly Task _writer;
    private long _length;
    private long _nextIndex;
    private Exception? _failure;

    private EntryJournal(SafeFileHandle handle, long length, long count, TimeProvider time, Action<IReadOnlyList<JournalRecord>> onDurable)
    {
        _handle = handle;
        _length = length;
        _nextIndex = count;
        _time = time;
        _onDurable = onDurable;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>The number of records written (the next leaf index).</summary>
    public long Count => Interlocked.Read(ref _nextIndex);

    /// <summary>Whether a write or flush failed: every append is refused from then on, until the process restarts.</summary>
    public bool Failed => Volatile.Read(ref _failure) is not null;

    /// <summary>Reads the journal at <paramref name="path"/> (creating it), cuts off a torn tail, and returns the
    /// records from index <paramref name="keepFrom"/> on, with the total count.</summary>
    public static (List<JournalRecord> Kept, long Count, long Length) Recover(string path, long keepFrom, long now)
    {
        var kept = new List<JournalRecord>();
        long count = 0, offset = 0;
        if (!File.Exists(path))
        {
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = OwnerOnly;
            }

            new FileStream(path, create).Dispose();
            DurableFiles.SyncDirectory(Path.GetDirectoryName(path)!);
        }

        using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            long fileLength = RandomAccess.GetLength(handle);
            byte[] header = new byte[4];
            byte[] leaf = new byte[TreeHash.Size];
            while (offset < fileLength)
            {
                if (fileLength - offset < 4 || RandomAccess.Read(handle, header, offset) != 4)
                {
                    break;
                }

                int length = (int)BinaryPrimitives.ReadUInt32BigEndian(header);
                long recordEnd = offset + 4 + length + TreeHash.Size;
                if (length > ushort.MaxValue || recordEnd > fileLength)
                {
                    break;
                }

                if (count >= keepFrom)
                {
                    byte[] data = new byte[length];
                    byte[] hash = new byte[TreeHash.Size];
                    if (RandomAccess.Read(handle, data, offset + 4) != length || RandomAccess.Read(handle, hash, offset + 4 + length) != TreeHash.Size)
                    {
                        break;
                    }

                    TreeHash.Leaf(data, leaf);
                    if (!leaf.AsSpan().SequenceEqual(hash))
                    {
                        break;
                    }

                    kept.Add(new JournalRecord(count, data, hash, now));
                }

                offset = recordEnd;
                count++;
            }

            if (offset < fileLength)
            {
                // A torn or unflushed tail: never acknowledged, so it is dropped.
                RandomAccess.SetLength(handle, offset);
                RandomAccess.FlushToDisk(handle);
            }
        }

        return (kept, count, offset);
    }

    /// <summary>Opens the journal for appending after <see cref="Recover"/>.</summary>
    public static EntryJournal Open(string path, long length, long count, TimeProvider time, Action<IReadOnlyList<JournalRecord>> onDurable)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, FileOptions.None);
        return new EntryJournal(handle, length, count, time, onDurable);
    }

    /// <summary>Queues <paramref name="entry"/>; the task completes with its index once it is on disk.</summary>
    public Task<long> AppendAsync(byte[] entry, byte[] leafHash)
    {
        if (_failure is { } failure)
        {
            return Task.FromException<long>(new IOException("The transparency log's journal failed; appends are refused until restart.", failure));
        }

        var pending = new PendingAppend(entry, leafHash);
        return _queue.Writer.TryWrite(pending)
            ? pending.Done.Task
            : Task.FromException<long>(new ObjectDisposedException(nameof(EntryJournal)));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        _handle.Dispose();
    }

    private static UnixFileMode OwnerOnly => UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingAppend>(MaxBatch);
        using var buffer = new PooledBufferWriter(64 * 1024);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            buffer.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
                var span = buffer.GetSpan(4 + item.Entry.Length + TreeHash.Size);
                BinaryPrimitives.WriteUInt32BigEndian(span, (uint)item.Entry.Length);
                item.Entry.CopyTo(span[4..]);
                item.LeafHash.CopyTo(span[(4 + item.Entry.Length)..]);
                buffer.Advance(4 + item.Entry.Length + TreeHash.Size);
            }

            if (_failure is not null)
            {
                Fail(batch, _failure);
                continue;
            }

            try
            {
                RandomAccess.Write(_handle, buffer.WrittenMemory.Span, _length);
                RandomAccess.FlushToDisk(_handle);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The file may now end in a torn record; nothing more is appended after it.
                _failure = e;
                Fail(batch, e);
                continue;
            }

            _length += buffer.WrittenCount;
            long first = _nextIndex;
            long now = _time.GetTimestamp();
            var records = new JournalRecord[batch.Count];
            for (int i = 0; i < batch.Count; i++)
            {
                records[i] = new JournalRecord(first + i, batch[i].Entry, batch[i].LeafHash, now);
            }

            Interlocked.Exchange(ref _nextIndex, first + batch.Count);
            _onDurable(records);
            for (int i = 0; i < batch.Count; i++)
            {
                batch[i].Done.TrySetResult(first + i);
            }
        }
    }

    private static void Fail(List<PendingAppend> batch, Exception e)
    {
        foreach (var item in batch)
        {
            item.Done.TrySetException(new IOException("The transparency log entry could not be written durably.", e));
        }
    }

    private sealed class PendingAppend(byte[] entry, byte[] leafHash)
    {
        public byte[] Entry { get; } = entry;

        public byte[] LeafHash { get; } = leafHash;

        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
