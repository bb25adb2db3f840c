using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Candor.Protocols.Anthropic;

namespace Candor.Providers.Anthropic;

/// <summary>A JSON request body written into pooled arrays; the arrays go back to the pool when the
/// content is disposed (HttpClient disposes the request content after sending).</summary>
internal sealed class PooledJsonContent : HttpContent
{
    private byte[] _buffer;
    private int _length;

    private PooledJsonContent(byte[] buffer, int length)
    {
        _buffer = buffer;
        _length = length;
        Headers.ContentType = new MediaTypeHeaderValue("application/json");
    }

    /// <summary>Writes a body with <paramref name="write"/> and wraps it.</summary>
    public static PooledJsonContent Create<TState>(TState state, Action<TState, Utf8JsonWriter> write)
    {
        var buffer = new PooledBufferWriter();
        try
        {
            using (var writer = new Utf8JsonWriter(buffer, AnthropicRequestEncoder.WriterOptions))
            {
                write(state, writer);
            }

            var (array, length) = buffer.Detach();
            return new PooledJsonContent(array, length);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        stream.WriteAsync(_buffer.AsMemory(0, _length)).AsTask();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken).AsTask();

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.Write(_buffer, 0, _length);

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }

    /// <summary>The body bytes (for tests and inspection).</summary>
    internal ReadOnlySpan<byte> Body => _buffer.AsSpan(0, _length);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            var buffer = _buffer;
            _buffer = [];
            _length = 0;
            if (buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>An <see cref="IBufferWriter{T}"/> over one growing pooled array.</summary>
    private sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
    {
        private byte[] _array = ArrayPool<byte>.Shared.Rent(4096);
        private int _written;

        public void Advance(int count) => _written += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _array.AsMemory(_written);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _array.AsSpan(_written);
        }

        public (byte[] Array, int Length) Detach()
        {
            var result = (_array, _written);
            _array = [];
            _written = 0;
            return result;
        }

        public void Dispose()
        {
            if (_array.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_array);
                _array = [];
            }
        }

        private void Ensure(int sizeHint)
        {
            int needed = _written + Math.Max(sizeHint, 1);
            if (needed <= _array.Length)
            {
                return;
            }

            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _array.Length * 2));
            _array.AsSpan(0, _written).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_array);
            _array = bigger;
        }
    }
}
