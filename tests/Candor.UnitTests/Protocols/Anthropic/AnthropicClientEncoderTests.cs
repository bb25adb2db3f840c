using Candor.Protocols.Anthropic;
using Candor.Protocols.Canonical;
using static Candor.UnitTests.Protocols.Anthropic.AnthropicTestHelpers;

namespace Candor.UnitTests.Protocols.Anthropic;

public sealed class AnthropicClientEncoderTests
{
    private static ChatRequest Request() => new() { Model = "public-model", Stream = true, SourceProtocol = WireProtocol.Anthropic };

    private static string Stream(IEnumerable<ChatEvent> events, RelayError? error = null)
    {
        var encoder = new AnthropicClientEncoder(Request());
        return Utf8(output =>
        {
            foreach (var ev in events)
            {
                encoder.WriteStreamEvent(ev, output);
            }

            if (error is null)
            {
                encoder.WriteStreamEnd(output);
            }
            else
            {
                encoder.WriteStreamError(error, output);
            }
        });
    }

    [Fact]
    public void ThinkingTextAndToolUse_ProduceAnthropicsExactEventSequence()
    {
        string sse = Stream(
        [
            new ResponseStarted("msg_abc", "claude-sonnet-4-5", 0),
            new UsageReported(new Usage { InputTokens = 160, CachedInputTokens = 100, CacheWriteInputTokens = 50, OutputTokens = 1 }),
            new ThinkingDelta(0, "Let me think."),
            new ThinkingDelta(0, "", "EqQB+/9A=="),
            new TextDelta(0, "Checking."),
            new ToolCallStarted(0, 0, "toolu_1", "get_weather"),
            new ToolCallArgumentsDelta(0, 0, "{\"city\":"),
            new ToolCallArgumentsDelta(0, 0, "\"Paris\"}"),
            new ToolCallStarted(0, 1, "toolu_2", "get_time"),
            new ToolCallArgumentsDelta(0, 1, "{}"),
            new ChoiceFinished(0, FinishReason.ToolCalls, "tool_calls"),
            new UsageReported(new Usage { OutputTokens = 42 }),
        ]);

        const string expected = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_abc","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"cache_creation_input_tokens":50,"cache_read_input_tokens":100,"output_tokens":1}}}

            event: ping
            data: {"type":"ping"}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me think."}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQB+/9A=="}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: content_block_start
            data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Checking."}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":1}

            event: content_block_start
            data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"\"Paris\"}"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":2}

            event: content_block_start
            data: {"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"toolu_2","name":"get_time","input":{}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"{}"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":3}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":10,"cache_creation_input_tokens":50,"cache_read_input_tokens":100,"output_tokens":42}}

            event: message_stop
            data: {"type":"message_stop"}


            """;
        Assert.Equal(expected, sse);
    }

    [Fact]
    public void LateUsage_MessageStartFirstWithZeros_InputInMessageDelta()
    {
        string sse = Stream(
        [
            new ResponseStarted("chatcmpl-123", "gpt-x", 0),
            new TextDelta(0, "Hi"),
            new ChoiceFinished(0, FinishReason.EndTurn, "stop"),
            new UsageReported(new Usage { InputTokens = 12, CachedInputTokens = 2, OutputTokens = 3 }),
        ]);

        Assert.StartsWith("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_chatcmpl-123\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"gpt-x\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}}\n\nevent: ping\n", sse, StringComparison.Ordinal);
        Assert.Contains("data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"input_tokens\":10,\"cache_read_input_tokens\":2,\"output_tokens\":3}}\n", sse, StringComparison.Ordinal);
        Assert.EndsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", sse, StringComparison.Ordinal);
    }

    [Fact]
    public void EncodedStream_DecodesBackToTheSameResponse()
    {
        ChatEvent[] events =
        [
            new ResponseStarted("msg_x", "claude", 0),
            new UsageReported(new Usage { InputTokens = 5, OutputTokens = 1 }),
            new ThinkingDelta(0, "hmm"),
            new ThinkingDelta(0, "", AnthropicUpstreamDecoderTests.Signature),
            new RedactedThinkingBlock(0, "REDACTED"),
            new TextDelta(0, "Answer "),
            new TextDelta(0, "here."),
            new ToolCallStarted(0, 0, "toolu_9", "lookup"),
            new ToolCallArgumentsDelta(0, 0, "{\"q\":1}"),
            new ChoiceFinished(0, FinishReason.ToolCalls),
            new UsageReported(new Usage { OutputTokens = 20 }),
        ];
        var (decoded, stopped) = DecodeStream(Stream(events));
        var original = Accumulate(events);
        var roundTripped = Accumulate(decoded);

        Assert.True(stopped);
        Assert.Equal(original.Usage, roundTripped.Usage);
        var a = original.Choices[0].Parts;
        var b = roundTripped.Choices[0].Parts;
        Assert.Equal(a.Count, b.Count);
        Assert.Equal(AnthropicUpstreamDecoderTests.Signature, Assert.IsType<ThinkingPart>(b[0]).Signature);
        Assert.Equal("REDACTED", Assert.IsType<RedactedThinkingPart>(b[1]).Data);
        Assert.Equal("Answer here.", Assert.IsType<TextPart>(b[2]).Text);
        Assert.Equal("{\"q\":1}", Assert.IsType<ToolCallPart>(b[3]).ArgumentsJson);
        Assert.Equal(FinishReason.ToolCalls, roundTripped.Choices[0].FinishReason);
    }

    [Fact]
    public void OtherChoicesAndLogprobs_AreNotEncoded()
    {
        string sse = Stream(
        [
            new ResponseStarted("msg_1", null, 0),
            new TextDelta(1, "other"),
            new TextDelta(0, "mine"),
            new ChoiceFinished(1, FinishReason.MaxTokens),
            new ChoiceFinished(0, FinishReason.MaxTokens, "length"),
        ]);

        Assert.DoesNotContain("other", sse, StringComparison.Ordinal);
        Assert.Contains("\"model\":\"public-model\"", sse, StringComparison.Ordinal);
        Assert.Contains("\"stop_reason\":\"max_tokens\"", sse, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(sse, "event: content_block_start"));
    }

    [Theory]
    [InlineData(FinishReason.EndTurn, "end_turn")]
    [InlineData(FinishReason.StopSequence, "stop_sequence")]
    [InlineData(FinishReason.MaxTokens, "max_tokens")]
    [InlineData(FinishReason.ToolCalls, "tool_use")]
    [InlineData(FinishReason.ContentFilter, "refusal")]
    [InlineData(FinishReason.PauseTurn, "pause_turn")]
    [InlineData(FinishReason.Other, "end_turn")]
    public void FinishReasons_MapToStopReasons(FinishReason reason, string expected)
    {
        string sse = Stream([new ResponseStarted("msg_1", "m", 0), new ChoiceFinished(0, reason, null, reason == FinishReason.StopSequence ? "END" : null)]);

        Assert.Contains($"\"stop_reason\":\"{expected}\"", sse, StringComparison.Ordinal);
        if (reason == FinishReason.StopSequence)
        {
            Assert.Contains("\"stop_sequence\":\"END\"", sse, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void StreamError_WritesErrorEventAndNothingAfter()
    {
        var encoder = new AnthropicClientEncoder(Request());
        string sse = Utf8(output =>
        {
            encoder.WriteStreamEvent(new ResponseStarted("msg_1", "m", 0), output);
            encoder.WriteStreamEvent(new TextDelta(0, "x"), output);
            encoder.WriteStreamError(new RelayError(RelayStage.Upstream, RelayErrorKind.Overloaded, 529, "The upstream provider is overloaded; retry later."), output);
            encoder.WriteStreamEnd(output);
        });

        Assert.EndsWith("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"The upstream provider is overloaded; retry later.\"}}\n\n", sse, StringComparison.Ordinal);
        Assert.DoesNotContain("message_stop", sse, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyStream_StillWritesACompleteMessage()
    {
        string sse = Stream([]);

        Assert.Equal(
            ["message_start", "ping", "message_delta", "message_stop"],
            sse.Split('\n').Where(static l => l.StartsWith("event: ", StringComparison.Ordinal)).Select(static l => l[7..]));
    }

    [Fact]
    public void WholeResponse_WritesMessageObject()
    {
        var response = Accumulate(
        [
            new ResponseStarted("chatcmpl-1", "served-model", 0),
            new ThinkingDelta(0, "Reason."),
            new ThinkingDelta(0, "", "S+/="),
            new TextDelta(0, "Hello!"),
            new ToolCallStarted(0, 0, "call_1", "f"),
            new ToolCallArgumentsDelta(0, 0, "not json"),
            new ChoiceFinished(0, FinishReason.ToolCalls),
            new UsageReported(new Usage { InputTokens = 160, CachedInputTokens = 100, CacheWriteInputTokens = 50, OutputTokens = 6 }),
        ]);
        string json = Utf8(output => new AnthropicClientEncoder(Request()).WriteResponse(response, output));

        Assert.Equal(
            """{"id":"msg_chatcmpl-1","type":"message","role":"assistant","model":"served-model","content":[{"type":"thinking","thinking":"Reason.","signature":"S+/="},{"type":"text","text":"Hello!"},{"type":"tool_use","id":"call_1","name":"f","input":{}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":10,"cache_creation_input_tokens":50,"cache_read_input_tokens":100,"output_tokens":6}}""",
            json);
    }

    [Fact]
    public void WholeResponse_AbsentUsage_WritesZerosWithoutCacheFields()
    {
        var response = Accumulate([new ResponseStarted("msg_1", null, 0), new TextDelta(0, "x"), new ChoiceFinished(0, FinishReason.EndTurn)]);
        string json = Utf8(output => new AnthropicClientEncoder(Request()).WriteResponse(response, output));

        Assert.EndsWith("\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}", json, StringComparison.Ordinal);
        Assert.Contains("\"model\":\"public-model\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void RepeatedToolStartAndStrayFragments_DoNotOpenExtraBlocks()
    {
        string sse = Stream(
        [
            new ResponseStarted("msg_1", "m", 0),
            new ToolCallStarted(0, 0, "toolu_1", "f"),
            new ToolCallStarted(0, 0, "toolu_1", "f"),
            new ToolCallArgumentsDelta(0, 0, "{}"),
            new ToolCallArgumentsDelta(0, 5, "{\"stray\":1}"),
        ]);

        Assert.Single(System.Text.RegularExpressions.Regex.Matches(sse, "event: content_block_start"));
        Assert.DoesNotContain("stray", sse, StringComparison.Ordinal);
    }
}
