using System.Buffers;
using System.Text;
using Candor.Protocols.Canonical;
using Candor.Protocols.Gemini;
using Microsoft.Extensions.Time.Testing;
using static Candor.UnitTests.Protocols.Gemini.GeminiTestJson;

namespace Candor.UnitTests.Protocols.Gemini;

public sealed class GeminiClientEncoderTests
{
    private static List<string> DataLines(ArrayBufferWriter<byte> output)
    {
        string text = Encoding.UTF8.GetString(output.WrittenSpan);
        Assert.EndsWith("\n\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("event:", text, StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", text, StringComparison.Ordinal);
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        return [.. events.Select(e =>
        {
            Assert.StartsWith("data: ", e, StringComparison.Ordinal);
            return e["data: ".Length..];
        })];
    }

    [Fact]
    public void Stream_TextThenToolCall_WritesGeminiChunks()
    {
        var encoder = new GeminiClientEncoder(new ChatRequest { Model = "public-model" });
        var output = new ArrayBufferWriter<byte>();
        ChatEvent[] events =
        [
            new ResponseStarted("resp-1", "gemini-2.5-flash", 1),
            new ThinkingDelta(0, "plan"),
            new TextDelta(0, "Checking"),
            new UsageReported(new Usage { InputTokens = 10 }),
            new ToolCallStarted(0, 0, "call_1", "get_weather"),
            new ToolCallArgumentsDelta(0, 0, "{\"city\":"),
            new ToolCallArgumentsDelta(0, 0, "\"Paris\"}"),
            new ChoiceFinished(0, FinishReason.ToolCalls, "tool_calls"),
            new UsageReported(new Usage { InputTokens = 10, OutputTokens = 25, ReasoningTokens = 5, CachedInputTokens = 4, TotalTokens = 35 }),
        ];
        foreach (var ev in events)
        {
            encoder.WriteStreamEvent(ev, output);
        }

        // The tool call is still buffered: nothing about it is written before the end.
        Assert.Equal(2, DataLines(output).Count);
        encoder.WriteStreamEnd(output);
        var lines = DataLines(output);
        Assert.Equal(3, lines.Count);
        Equal("""{"candidates":[{"content":{"parts":[{"text":"plan","thought":true}],"role":"model"},"index":0}],"modelVersion":"gemini-2.5-flash","responseId":"resp-1"}""", lines[0]);
        Equal("""{"candidates":[{"content":{"parts":[{"text":"Checking"}],"role":"model"},"index":0}],"modelVersion":"gemini-2.5-flash","responseId":"resp-1"}""", lines[1]);
        Equal("""
        {"candidates":[{"content":{"parts":[{"functionCall":{"id":"call_1","name":"get_weather","args":{"city":"Paris"}}}],"role":"model"},"finishReason":"STOP","index":0}],
         "usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":20,"totalTokenCount":35,"cachedContentTokenCount":4,"thoughtsTokenCount":5},
         "modelVersion":"gemini-2.5-flash","responseId":"resp-1"}
        """, lines[2]);
    }

    [Fact]
    public void Stream_ToolCallEndsWhenTheNextOneStarts_SignatureGoesOnNextPart()
    {
        var encoder = new GeminiClientEncoder(new ChatRequest { Model = "public-model" });
        var output = new ArrayBufferWriter<byte>();
        encoder.WriteStreamEvent(new ResponseStarted("r", null, 1), output);
        encoder.WriteStreamEvent(new ThinkingDelta(0, "", "c2ln"), output);
        encoder.WriteStreamEvent(new ToolCallStarted(0, 0, "a", "f"), output);
        encoder.WriteStreamEvent(new ToolCallArgumentsDelta(0, 0, "{}"), output);
        encoder.WriteStreamEvent(new ToolCallStarted(0, 1, "b", "g"), output);
        var lines = DataLines(output);
        Equal("""{"candidates":[{"content":{"parts":[{"functionCall":{"id":"a","name":"f","args":{}},"thoughtSignature":"c2ln"}],"role":"model"},"index":0}],"modelVersion":"public-model","responseId":"r"}""", Assert.Single(lines));
        encoder.WriteStreamEvent(new ChoiceFinished(0, FinishReason.MaxTokens), output);
        encoder.WriteStreamEnd(output);
        Equal("""{"candidates":[{"content":{"parts":[{"functionCall":{"id":"b","name":"g","args":{}}}],"role":"model"},"finishReason":"MAX_TOKENS","index":0}],"modelVersion":"public-model","responseId":"r"}""", DataLines(output)[1]);
    }

    [Fact]
    public void StreamEnd_TextOnly_WritesClosingChunkWithFinishAndUsage()
    {
        var encoder = new GeminiClientEncoder(new ChatRequest { Model = "pm" });
        var output = new ArrayBufferWriter<byte>();
        encoder.WriteStreamEvent(new TextDelta(0, "Hi"), output);
        encoder.WriteStreamEvent(new ChoiceFinished(0, FinishReason.ContentFilter, "content_filter"), output);
        encoder.WriteStreamEvent(new UsageReported(new Usage { InputTokens = 1, OutputTokens = 0 }), output);
        encoder.WriteStreamEnd(output);
        Equal("""{"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"SAFETY","index":0}],"usageMetadata":{"promptTokenCount":1,"candidatesTokenCount":0,"totalTokenCount":1},"modelVersion":"pm"}""", DataLines(output)[1]);
    }

    [Fact]
    public void StreamError_WritesErrorEvent()
    {
        var encoder = new GeminiClientEncoder(new ChatRequest());
        var output = new ArrayBufferWriter<byte>();
        encoder.WriteStreamError(new RelayError(RelayStage.Upstream, RelayErrorKind.UpstreamTimeout, 504, "The upstream provider timed out."), output);
        Equal("""{"error":{"code":504,"message":"The upstream provider timed out.","status":"DEADLINE_EXCEEDED"}}""", Assert.Single(DataLines(output)));
    }

    [Fact]
    public void WholeResponse_FromAccumulatedUpstreamEvents()
    {
        var decoderEvents = new List<ChatEvent>();
        new GeminiUpstreamDecoder(new FakeTimeProvider()).DecodeResponse(Utf8("""
            {"candidates":[{"content":{"parts":[{"text":"t","thought":true},{"text":"Hello"},{"functionCall":{"name":"f","args":{"x":1}},"thoughtSignature":"c2ln"}],"role":"model"},"finishReason":"STOP","index":0}],
             "usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":4,"thoughtsTokenCount":2,"totalTokenCount":9},"modelVersion":"gemini-2.5-pro","responseId":"rid"}
            """), decoderEvents);
        var acc = new ChatResponseAccumulator();
        decoderEvents.ForEach(acc.Add);
        var output = new ArrayBufferWriter<byte>();
        new GeminiClientEncoder(new ChatRequest { Model = "pm" }).WriteResponse(acc.Response, output);
        Equal("""
            {"candidates":[{"content":{"parts":[{"text":"t","thought":true},{"text":"Hello"},{"functionCall":{"id":"call_rid_0","name":"f","args":{"x":1}},"thoughtSignature":"c2ln"}],"role":"model"},"finishReason":"STOP","index":0}],
             "usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":4,"totalTokenCount":9,"thoughtsTokenCount":2},"modelVersion":"gemini-2.5-pro","responseId":"rid"}
            """, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void UpstreamStream_ReencodedForGeminiClient_KeepsSignatureOnFunctionCall()
    {
        var decoder = new GeminiUpstreamDecoder(new FakeTimeProvider());
        var events = new List<ChatEvent>();
        decoder.DecodeResponse(Utf8("""
            [{"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"}}],"modelVersion":"gemini-2.5-flash","responseId":"r9"},
             {"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"a":"b"}},"thoughtSignature":"c2ln"}],"role":"model"},"finishReason":"STOP"}],"modelVersion":"gemini-2.5-flash","responseId":"r9"}]
            """), events);
        var encoder = new GeminiClientEncoder(new ChatRequest { Model = "pm" });
        var output = new ArrayBufferWriter<byte>();
        events.ForEach(e => encoder.WriteStreamEvent(e, output));
        encoder.WriteStreamEnd(output);
        var lines = DataLines(output);
        Assert.Equal(2, lines.Count);
        Equal("""{"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"},"index":0}],"modelVersion":"gemini-2.5-flash","responseId":"r9"}""", lines[0]);
        Equal("""{"candidates":[{"content":{"parts":[{"functionCall":{"id":"call_r9_0","name":"f","args":{"a":"b"}},"thoughtSignature":"c2ln"}],"role":"model"},"finishReason":"STOP","index":0}],"modelVersion":"gemini-2.5-flash","responseId":"r9"}""", lines[1]);
    }
}
