using Candor.Protocols.Buffers;

namespace Candor.Core.Relay;

/// <summary>An attempt's forwarded copy of the client's body (the model replaced, or a redacted completions body): written
/// into <see cref="Writer"/>, then sealed into <see cref="RequestBytes"/> that the context releases at the commit
/// (<see cref="RelayContext.ForwardedBody"/>). Disposing it when the attempt ends releases what it still holds; a send
/// still in progress keeps the bytes until it ends (<see cref="RequestBytesContent"/>).</summary>
internal sealed class ForwardedCopy(RelayContext context, int clientBytes) : IDisposable
{
    private PooledBufferWriter? _writer;
    private RequestBytes? _sealed;

    /// <summary>Where the copy is written, until it is sealed: rented on first use, so an attempt that forwards the
    /// client's bytes as they are rents nothing. The model name may grow (an upstream name longer than the client's):
    /// room for that before the writer has to grow.</summary>
    public PooledBufferWriter Writer => _sealed is null
        ? _writer ??= new PooledBufferWriter(clientBytes + 64)
        : throw new InvalidOperationException("The forwarded copy is sealed.");

    /// <summary>The written copy, owned from now on by its <see cref="RequestBytes"/> and released at the commit or when
    /// this attempt ends, whichever comes first.</summary>
    public RequestBytes Seal()
    {
        var bytes = new RequestBytes(Writer);
        _writer = null;
        _sealed = bytes;
        context.ForwardedBody = bytes;
        return bytes;
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
        if (_sealed is { } bytes)
        {
            _sealed = null;
            bytes.Release();
            if (ReferenceEquals(context.ForwardedBody, bytes))
            {
                context.ForwardedBody = null;
            }
        }
    }
}
