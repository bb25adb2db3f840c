using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Candor.Providers.Gemini;

/// <summary>A JSON request body written into a buffer rented from the shared pool and returned when the
/// content is disposed (HttpClient disposes the request content after sending).</summary>
internal sealed class PooledJsonContent : HttpContent, IBufferWriter<byte>
{
    private byte[] _buffer;
    private int _length;

    private PooledJsonContent(int initialSize)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialSize);
        Headers.ContentType = new MediaTypeHeaderValue("application/json");
    }

    /// <summary>Creates the content by running <paramref name="write"/> over a pooled buffer.</summary>
    public static PooledJsonContent Create<TState>(TState state, Action<TState, Utf8JsonWriter> write)
    {
        var content = new PooledJsonContent(4096);
        using (var writer = new Utf8JsonWriter((IBufferWriter<byte>)content))
        {
            write(state, writer);
        }

        return content;
    }

    /// <summary>The written bytes (for tests and logging of sizes).</summary>
    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_length);
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

    private void Ensure(int sizeHint)
    {
        int needed = _length + Math.Max(sizeHint, 1);
        if (needed > _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
    }
}
