using System.Buffers;
using System.Text;
using Candor.Protocols.Codecs;
using Candor.Protocols.Sse;

namespace Candor.UnitTests.Protocols.Sse;

public sealed class SseParserTests
{
    private const string Sample =
        "\uFEFF: comment\r\n" +
        "event: message_start\r\n" +
        "data: {\"a\":1}\r\n" +
        "\r\n" +
        "data: line one\n" +
        "data: line two\n" +
        "id: 7\n" +
        "\n" +
        "data:no-space\r" +
        "\r" +
        "retry: 100\n" +
        "event: ping\n" +
        "\n" +
        "event: error\n" +
        "data: {\"x\":\"\u4F60\u597D\"}\n" +
        "\n" +
        "data: [DONE]\n\n";

    private static readonly (string? Type, string Data)[] Expected =
    [
        ("message_start", "{\"a\":1}"),
        (null, "line one\nline two"),
        (null, "no-space"),
        ("error", "{\"x\":\"\u4F60\u597D\"}"),
        (null, "[DONE]"),
    ];

    [Fact]
    public void WholeInput_YieldsEveryEventInOrder()
    {
        Assert.Equal(Expected, ParseSplit(Encoding.UTF8.GetBytes(Sample), []));
    }

    [Fact]
    public void InputSplitAtEveryByteBoundary_YieldsTheSameEvents()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Sample);
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            Assert.Equal(Expected, ParseSplit(bytes, [cut]));
        }
    }

    [Fact]
    public void InputFedOneByteAtATime_YieldsTheSameEvents()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Sample);
        Assert.Equal(Expected, ParseSplit(bytes, Enumerable.Range(1, bytes.Length - 1).ToArray()));
    }

    [Fact]
    public void EventWithoutTrailingBlankLine_IsNotDispatchedAtEnd()
    {
        var events = ParseSplit(Encoding.UTF8.GetBytes("data: a\n\ndata: b"), []);
        Assert.Equal([(null, "a")], events);
    }

    [Fact]
    public void EventLargerThanLimit_Throws()
    {
        using var parser = new SseParser(maxEventBytes: 8);
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("data: 0123456789\n\n"));
        Assert.Equal(8, Assert.Throws<UpstreamResponseTooLargeException>(() => parser.TryParse(ref buffer, false, out _)).Limit);
    }

    [Fact]
    public void WriterOutput_RoundTripsThroughParser()
    {
        var output = new ArrayBufferWriter<byte>();
        SseWriter.WriteEvent(output, "content_block_delta"u8, "multi\nline\r\ndata"u8);
        SseWriter.WriteComment(output, "keep-alive"u8);
        SseWriter.WriteEvent(output, (string?)null, "{}"u8);
        var events = ParseSplit(output.WrittenSpan.ToArray(), []);
        Assert.Equal([("content_block_delta", "multi\nline\ndata"), (null, "{}")], events);
    }

    [Fact]
    public async Task StreamReader_ReadsEventsFromAStreamDeliveredInTinyReads()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Sample);
        await using var reader = new SseStreamReader(new TrickleStream(bytes, 3));
        var got = new List<(string?, string)>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (await reader.ReadAsync(cts.Token) is { } ev)
        {
            got.Add((ev.EventType, Encoding.UTF8.GetString(ev.Data.Span)));
        }

        Assert.Equal(Expected, got);
    }

    private static List<(string?, string)> ParseSplit(byte[] bytes, int[] cuts)
    {
        using var parser = new SseParser();
        var events = new List<(string?, string)>();
        var pending = new List<byte>();
        int start = 0;
        foreach (int end in cuts.Append(bytes.Length))
        {
            pending.AddRange(bytes[start..end]);
            start = end;
            bool final = end == bytes.Length;
            var buffer = new ReadOnlySequence<byte>(pending.ToArray());
            while (parser.TryParse(ref buffer, final, out var ev))
            {
                events.Add((ev.EventType, Encoding.UTF8.GetString(ev.Data.Span)));
            }

            pending = buffer.ToArray().ToList();
        }

        return events;
    }

    private sealed class TrickleStream(byte[] data, int chunk) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(Math.Min(count, chunk), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
