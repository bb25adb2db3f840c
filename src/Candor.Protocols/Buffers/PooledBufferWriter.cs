using System.Buffers;

namespace Candor.Protocols.Buffers;

/// <summary>An <see cref="IBufferWriter{T}"/> over arrays rented from the shared pool; dispose returns them.
/// Arrays above <see cref="LargeArrayBytes"/> are allocated and dropped instead: the shared pool keeps what it is
/// given for as long as the process lives (per core, several arrays of each size), so a burst of large bodies
/// would stay resident after it passed; unpooled, they go back to the system with the next full collection.</summary>
public sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    /// <summary>The largest array taken from (and given back to) the shared pool.</summary>
    public const int LargeArrayBytes = 1024 * 1024;

    private byte[] _buffer;
    private int _written;

    public PooledBufferWriter(int initialCapacity = 4096)
    {
        _buffer = Rent(initialCapacity);
    }

    public int WrittenCount => _written;

    /// <summary>The size of the array written into (what the writer holds in memory).</summary>
    public int Capacity => _buffer.Length;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>The rented array (valid until dispose); for APIs that take an array and a count.</summary>
    public byte[] DangerousArray => _buffer;

    public void Clear() => _written = 0;

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _written))
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _written += bytes.Length;
    }

    private void Ensure(int sizeHint)
    {
        int need = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= need)
        {
            return;
        }

        int size = Math.Max(_buffer.Length * 2, _written + need);
        var bigger = Rent(size);
        _buffer.AsSpan(0, _written).CopyTo(bigger);
        Return(_buffer);
        _buffer = bigger;
    }

    private static byte[] Rent(int size) =>
        size > LargeArrayBytes ? GC.AllocateUninitializedArray<byte>(size) : ArrayPool<byte>.Shared.Rent(size);

    private static void Return(byte[] array)
    {
        if (array.Length is > 0 and <= LargeArrayBytes)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    public void Dispose()
    {
        var b = _buffer;
        _buffer = [];
        _written = 0;
        Return(b);
    }
}
