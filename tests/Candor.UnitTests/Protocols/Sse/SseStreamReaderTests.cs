using System.Buffers;
using System.Text;
using System.Threading.Channels;
using Candor.Protocols.Sse;

namespace Candor.UnitTests.Protocols.Sse;

/// <summary>The reader releases its buffers while the upstream is silent (zero-byte reads, the parser's data
/// buffer returned between events); events split across silences, and events larger than the buffers, must
/// still arrive whole.</summary>
public sealed class SseStreamReaderTests
{
    [Fact]
    public async Task EventsSplitAcrossSilences_ArriveWhole()
    {
        await using var source = new TrickleStream();
        await using var reader = new SseStreamReader(source);
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

        source.Send("data: one\n\n");
        Assert.Equal("one", await ReadDataAsync(reader, ct));

        // The next read waits: the parser gives its buffer back. Then an event arrives in pieces, with a
        // silence inside its data lines (the partial event must survive the wait).
        var next = reader.ReadAsync(ct);
        Assert.False(next.IsCompleted);
        source.Send("data: two");
        source.Send(" halves\ndata: second line");
        source.Send("\n\n");
        var ev = await next;
        Assert.Equal("two halves\nsecond line", Encoding.UTF8.GetString(ev!.Value.Data.Span));

        source.Send("event: ping\ndata: three\n\n");
        var third = await reader.ReadAsync(ct);
        Assert.Equal("ping", third!.Value.EventType);
        Assert.Equal("three", Encoding.UTF8.GetString(third.Value.Data.Span));

        source.Complete();
        Assert.Null(await reader.ReadAsync(ct));
        Assert.True(source.ZeroByteReads > 0, "the pipe should wait with zero-byte reads");
    }

    [Fact]
    public async Task EventLargerThanTheBuffers_ArrivesWholeInSmallPieces()
    {
        await using var source = new TrickleStream();
        await using var reader = new SseStreamReader(source);
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        string big = string.Concat(Enumerable.Range(0, 20_000).Select(i => (char)('a' + (i % 26))));
        byte[] wire = Encoding.UTF8.GetBytes($"data: {big}\n\ndata: after\n\n");

        var first = reader.ReadAsync(ct);
        for (int i = 0; i < wire.Length; i += 1000)
        {
            source.Send(wire.AsSpan(i, Math.Min(1000, wire.Length - i)).ToArray());
        }

        var ev = await first;
        Assert.Equal(big, Encoding.UTF8.GetString(ev!.Value.Data.Span));
        Assert.Equal("after", await ReadDataAsync(reader, ct));
    }

    [Fact]
    public void Parser_ReleaseBuffer_KeepsAnEventUnderConstruction()
    {
        using var parser = new SseParser();
        var input = new ReadOnlySequence<byte>("data: a\n"u8.ToArray());
        Assert.False(parser.TryParse(ref input, false, out _));
        parser.ReleaseBuffer();
        input = new ReadOnlySequence<byte>("data: b\n\n"u8.ToArray());
        Assert.True(parser.TryParse(ref input, false, out var ev));
        Assert.Equal("a\nb", Encoding.UTF8.GetString(ev.Data.Span));

        parser.ReleaseBuffer();
        input = new ReadOnlySequence<byte>("data: c\n\n"u8.ToArray());
        Assert.True(parser.TryParse(ref input, false, out ev));
        Assert.Equal("c", Encoding.UTF8.GetString(ev.Data.Span));
    }

    private static async Task<string> ReadDataAsync(SseStreamReader reader, CancellationToken ct)
    {
        var ev = await reader.ReadAsync(ct);
        Assert.NotNull(ev);
        return Encoding.UTF8.GetString(ev.Value.Data.Span);
    }

    /// <summary>A stream fed chunk by chunk: a read waits until a chunk is sent; a zero-byte read waits for data
    /// without consuming it, like a socket's.</summary>
    private sealed class TrickleStream : Stream
    {
        private readonly Channel<byte[]> _chunks = Channel.CreateUnbounded<byte[]>();
        private byte[] _current = [];
        private int _offset;

        public int ZeroByteReads { get; private set; }

        public void Send(string text) => Send(Encoding.UTF8.GetBytes(text));

        public void Send(byte[] chunk) => Assert.True(_chunks.Writer.TryWrite(chunk));

        public void Complete() => _chunks.Writer.Complete();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty)
            {
                ZeroByteReads++;
            }

            while (_offset == _current.Length)
            {
                if (!await _chunks.Reader.WaitToReadAsync(cancellationToken))
                {
                    return 0;
                }

                if (buffer.IsEmpty)
                {
                    return 0;
                }

                _current = await _chunks.Reader.ReadAsync(cancellationToken);
                _offset = 0;
            }

            int n = Math.Min(buffer.Length, _current.Length - _offset);
            _current.AsSpan(_offset, n).CopyTo(buffer.Span);
            _offset += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
