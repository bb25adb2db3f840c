using System.Net;

namespace Candor.Core.Relay;

/// <summary>An upstream request's content over <see cref="RequestBytes"/>: every send of it holds the bytes while it
/// writes them, so the owner may release them at the commit while HTTP/2 is still sending (the array is returned when
/// the send ends). A send after the release fails instead of reading a returned array.</summary>
internal sealed class RequestBytesContent(RequestBytes bytes) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (!bytes.TryHold())
        {
            throw Released();
        }

        try
        {
            await stream.WriteAsync(bytes.HeldMemory, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            bytes.EndHold();
        }
    }

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (!bytes.TryHold())
        {
            throw Released();
        }

        try
        {
            stream.Write(bytes.HeldMemory.Span);
        }
        finally
        {
            bytes.EndHold();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = bytes.Length;
        return true;
    }

    private static InvalidOperationException Released() => new("The forwarded body was released before it was sent.");
}
