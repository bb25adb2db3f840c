namespace Candor.Core.Relay;

/// <summary>Wraps an upstream body: before every read after the first it re-arms the cancellation timer
/// with the idle timeout, so silence longer than the limit cancels the read. The first read stays under
/// the first-byte timeout already armed by the caller.</summary>
internal sealed class IdleTimeoutStream(Stream inner, CancellationTokenSource timer, TimeSpan idle) : Stream
{
    private bool _first = true;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    // Called for every chunk of every open stream. No async method of its own: the read re-arms the timer and hands back
    // the inner stream's read, so an open, silent stream holds no state machine of this layer while it waits.
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_first)
        {
            _first = false;
        }
        else
        {
            timer.CancelAfter(idle);
        }

        return inner.ReadAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Synchronous reads are not used.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
