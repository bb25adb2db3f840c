using System.Net;
using Candor.Protocols.Buffers;

namespace Candor.Providers.Http;

/// <summary>A request body held in a buffer rented from the shared pool, returned when the content is disposed (disposing
/// the request message disposes its content); its bytes are what the receipt hashes as forwarded
/// (<see cref="Candor.Core.Upstream.IForwardedBody"/>). The JSON and form bodies derive from it.</summary>
internal abstract class PooledContent : HttpContent, Candor.Core.Upstream.IForwardedBody
{
    private PooledBufferWriter? _buffer;

    protected PooledContent(PooledBufferWriter buffer) => _buffer = buffer;

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
