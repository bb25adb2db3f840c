using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Candor.Protocols.Buffers;

namespace Candor.Providers.Http;

/// <summary>A JSON request body written into an array rented from the shared pool, returned when the
/// content is disposed (disposing the request message disposes its content). Every adapter builds its
/// upstream bodies through here, so a request costs no body allocation beyond the pool.</summary>
internal sealed class PooledJsonContent : HttpContent, Candor.Core.Upstream.IForwardedBody
{
    /// <summary>Relaxed escaping writes characters as the vendors do (no <c>\u002B</c> for <c>+</c>), so
    /// opaque values such as thinking signatures reach the upstream byte for byte.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private PooledBufferWriter? _buffer;

    private PooledJsonContent(PooledBufferWriter buffer)
    {
        _buffer = buffer;
        Headers.ContentType = JsonType;
    }

    /// <summary>Writes a body with <paramref name="write"/> and wraps it.</summary>
    public static PooledJsonContent Create<TState>(TState state, Action<TState, Utf8JsonWriter> write)
    {
        var buffer = new PooledBufferWriter();
        try
        {
            using (var writer = new Utf8JsonWriter((IBufferWriter<byte>)buffer, WriterOptions))
            {
                write(state, writer);
            }

            return new PooledJsonContent(buffer);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>The body bytes (hashed by the receipt; read by tests).</summary>
    public ReadOnlyMemory<byte> Body => _buffer?.WrittenMemory ?? ReadOnlyMemory<byte>.Empty;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        stream.WriteAsync(Body).AsTask();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.WriteAsync(Body, cancellationToken).AsTask();

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.Write(Body.Span);

    protected override bool TryComputeLength(out long length)
    {
        length = Body.Length;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Interlocked.Exchange(ref _buffer, null)?.Dispose();
        }

        base.Dispose(disposing);
    }
}
