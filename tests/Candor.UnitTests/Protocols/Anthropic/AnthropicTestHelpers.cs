using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Candor.Protocols.Anthropic;
using Candor.Protocols.Canonical;
using Candor.Protocols.Sse;
using Microsoft.Extensions.Time.Testing;

namespace Candor.UnitTests.Protocols.Anthropic;

internal static class AnthropicTestHelpers
{
    public static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    public static AnthropicUpstreamDecoder NewDecoder() => new(new FakeTimeProvider(Now));

    /// <summary>Feeds the SSE text to a parser in two pieces split at <paramref name="splitAt"/> (or whole)
    /// and decodes each dispatched event.</summary>
    public static (List<ChatEvent> Events, bool Stopped) DecodeStream(string sse, int? splitAt = null)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(sse);
        var decoder = NewDecoder();
        var events = new List<ChatEvent>();
        bool stopped = false;
        using var parser = new SseParser();
        byte[] pending = [];
        int cut = splitAt ?? bytes.Length;
        foreach (var (chunk, final) in new[] { (bytes[..cut], false), (bytes[cut..], true) })
        {
            var seq = new ReadOnlySequence<byte>([.. pending, .. chunk]);
            while (!stopped && parser.TryParse(ref seq, final, out var ev))
            {
                stopped = !decoder.DecodeStreamEvent(ev, events);
            }

            pending = seq.ToArray();
        }

        return (events, stopped);
    }

    public static string Utf8(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string EncodeRequest(ChatRequest request, string model, bool countTokens = false)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, AnthropicRequestEncoder.WriterOptions))
        {
            if (countTokens)
            {
                AnthropicRequestEncoder.WriteCountTokens(request, model, writer);
            }
            else
            {
                AnthropicRequestEncoder.Write(request, model, writer);
            }
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static ChatRequest Decode(string json)
    {
        Assert.True(AnthropicRequestDecoder.TryDecode(Encoding.UTF8.GetBytes(json), out var request, out var error), error?.Message);
        return request;
    }

    public static RelayError DecodeError(string json)
    {
        Assert.False(AnthropicRequestDecoder.TryDecode(Encoding.UTF8.GetBytes(json), out _, out var error));
        return error;
    }

    public static void AssertJsonEqual(string expected, string actual)
    {
        var options = new JsonDocumentOptions { MaxDepth = 512 };
        var e = JsonNode.Parse(expected, documentOptions: options);
        var a = JsonNode.Parse(actual, documentOptions: options);
        Assert.True(JsonNode.DeepEquals(e, a), $"Expected:\n{e?.ToJsonString()}\nActual:\n{a?.ToJsonString()}");
    }

    public static ChatResponse Accumulate(IEnumerable<ChatEvent> events)
    {
        var acc = new ChatResponseAccumulator();
        foreach (var ev in events)
        {
            acc.Add(ev);
        }

        return acc.Response;
    }
}
