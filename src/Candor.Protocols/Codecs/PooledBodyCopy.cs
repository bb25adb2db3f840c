using System.Buffers;

namespace Candor.Protocols.Codecs;

/// <summary>A body held only as a span, copied into a pooled array so it can be parsed in place (<see
/// cref="JsonBody.Copy"/>); disposing returns the array.</summary>
internal sealed class PooledBodyCopy : IDisposable
{
    private readonly int _length;
    private byte[]? _array;

    public PooledBodyCopy(ReadOnlySpan<byte> body)
    {
        _array = ArrayPool<byte>.Shared.Rent(Math.Max(body.Length, 1));
        _length = body.Length;
        body.CopyTo(_array);
    }

    /// <summary>The copied body.</summary>
    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, _length);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _array, null) is { } array)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
