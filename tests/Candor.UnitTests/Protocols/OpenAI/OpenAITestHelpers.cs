using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.Protocols.Sse;

namespace Candor.UnitTests.Protocols.OpenAI;

internal static class OpenAITestHelpers
{
    /// <summary>Feeds the SSE text to a parser in the given pieces and decodes each event as it is dispatched.</summary>
    public static List<ChatEvent> DecodeStream(IChatUpstreamDecoder decoder, IEnumerable<byte[]> pieces)
    {
        var events = new List<ChatEvent>();
        using var parser = new SseParser();
        byte[] leftover = [];
        bool ended = false;
        var all = pieces.ToList();
        for (int i = 0; i < all.Count && !ended; i++)
        {
            var combined = leftover.Concat(all[i]).ToArray();
            var buffer = new ReadOnlySequence<byte>(combined);
            bool final = i == all.Count - 1;
            while (parser.TryParse(ref buffer, final, out var ev))
            {
                if (!decoder.DecodeStreamEvent(ev, events))
                {
                    ended = true;
                    break;
                }
            }

            leftover = buffer.ToArray();
        }

        return events;
    }

    public static List<ChatEvent> DecodeStream(IChatUpstreamDecoder decoder, string sse) =>
        DecodeStream(decoder, [Encoding.UTF8.GetBytes(sse)]);

    /// <summary>Decodes the stream whole and then split at every byte position, asserting every split
    /// gives the same events; returns them.</summary>
    public static List<ChatEvent> DecodeStreamAllSplits(Func<IChatUpstreamDecoder> factory, string sse)
    {
        var bytes = Encoding.UTF8.GetBytes(sse);
        var expected = DecodeStream(factory(), [bytes]);
        string expectedText = Describe(expected);
        for (int split = 0; split <= bytes.Length; split++)
        {
            var got = DecodeStream(factory(), [bytes[..split], bytes[split..]]);
            Assert.Equal(expectedText, Describe(got));
        }

        return expected;
    }

    public static string Describe(IEnumerable<ChatEvent> events) =>
        string.Join("\n", events.Select(static e => e is LogprobsDelta lp ? $"LogprobsDelta {lp.Choice} {lp.Content.GetRawText()}" : e.ToString()));

    public static string Write(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string WriteJson(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static void AssertJsonEqual(string expected, string actual)
    {
        var e = JsonNode.Parse(expected);
        var a = JsonNode.Parse(actual);
        Assert.True(JsonNode.DeepEquals(e, a), $"Expected:\n{e?.ToJsonString()}\nActual:\n{a?.ToJsonString()}");
    }

    public static ChatRequest Decode(string json)
    {
        Assert.True(Candor.Protocols.OpenAI.OpenAIChatRequestDecoder.TryDecode(Encoding.UTF8.GetBytes(json), out var request, out var error), error?.Message);
        return request;
    }

    /// <summary>The data payloads of an SSE text, in order.</summary>
    public static List<string> DataLines(string sse) =>
        sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(static e =>
        {
            Assert.StartsWith("data: ", e, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', e);
            return e["data: ".Length..];
        }).ToList();
}
