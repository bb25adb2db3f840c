using System.Buffers;
using System.Text;
using Candor.Protocols.Sse;

namespace Candor.UnitTests.Protocols.Sse;

/// <summary>The fast path writes an upstream's events again as they came (issue 14 item 11: Gemini frames its events with
/// CRLF, and the relay wrote LF).</summary>
public sealed class SseRelayFramingTests
{
    [Theory]
    [InlineData("data: {\"candidates\":[]}\r\n\r\ndata: {\"a\":1}\r\n\r\n")]
    [InlineData("event: message_start\ndata: {\"type\":\"message_start\"}\n\nevent: ping\ndata: {}\n\n")]
    [InlineData("data: one\rdata: two\r\r")]
    [InlineData("data: line one\r\ndata: line two\r\n\r\n")]
    public void RelayedEvents_AreTheUpstreamsBytes_AtEverySplit(string upstream)
    {
        var bytes = Encoding.UTF8.GetBytes(upstream);
        for (int split = 0; split <= bytes.Length; split++)
        {
            Assert.Equal(upstream, Relay([bytes[..split], bytes[split..]]));
        }
    }

    [Fact]
    public void ParsedEvent_KnowsItsLineBreak()
    {
        var buffer = new ReadOnlySequence<byte>("data: x\r\n\r\n"u8.ToArray());
        using var parser = new SseParser();
        Assert.True(parser.TryParse(ref buffer, false, out var ev));
        Assert.Equal(SseLineBreak.CrLf, ev.LineBreak);
    }

    private static string Relay(byte[][] pieces)
    {
        var output = new ArrayBufferWriter<byte>();
        using var parser = new SseParser();
        byte[] leftover = [];
        for (int i = 0; i < pieces.Length; i++)
        {
            var buffer = new ReadOnlySequence<byte>([.. leftover, .. pieces[i]]);
            while (parser.TryParse(ref buffer, i == pieces.Length - 1, out var ev))
            {
                SseWriter.WriteRelayed(output, ev);
            }

            leftover = buffer.ToArray();
        }

        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
