using System.Text;
using Candor.Protocols.Canonical;
using static Candor.UnitTests.Protocols.Anthropic.AnthropicTestHelpers;

namespace Candor.UnitTests.Protocols.Anthropic;

public sealed class AnthropicUpstreamDecoderTests
{
    // The "Basic streaming request" example of Anthropic's Streaming Messages documentation.
    internal const string DocsTextStream = """
        event: message_start
        data: {"type": "message_start", "message": {"id": "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", "type": "message", "role": "assistant", "content": [], "model": "claude-opus-4-6", "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 25, "output_tokens": 1}}}

        event: content_block_start
        data: {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}

        event: ping
        data: {"type": "ping"}

        event: content_block_delta
        data: {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}}

        event: content_block_delta
        data: {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "!"}}

        event: content_block_stop
        data: {"type": "content_block_stop", "index": 0}

        event: message_delta
        data: {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence":null}, "usage": {"output_tokens": 15}}

        event: message_stop
        data: {"type": "message_stop"}


        """;

    // Shaped like the documentation's "Streaming request with tool use" example, with a text block first.
    internal const string DocsToolStream = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-opus-4-6","stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":2},"content":[],"stop_reason":null}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: ping
        data: {"type": "ping"}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay, let's check the weather for San Francisco:"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: content_block_start
        data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\":"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \"San Francisco, CA\"}"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":1}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}

        event: message_stop
        data: {"type":"message_stop"}


        """;

    internal const string Signature = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds+/Xv9A==";

    // Shaped like the documentation's extended-thinking streaming example, with cache figures.
    internal const string DocsThinkingStream = """
        event: message_start
        data: {"type": "message_start", "message": {"id": "msg_01", "type": "message", "role": "assistant", "content": [], "model": "claude-sonnet-4-5", "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 10, "cache_creation_input_tokens": 50, "cache_read_input_tokens": 100, "output_tokens": 1}}}

        event: content_block_start
        data: {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}}

        event: content_block_delta
        data: {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Let me solve this step by step:\n\n1. First break down 27 * 453"}}

        event: content_block_delta
        data: {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "\n2. 453 = 400 + 50 + 3"}}

        event: content_block_delta
        data: {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds+/Xv9A=="}}

        event: content_block_stop
        data: {"type": "content_block_stop", "index": 0}

        event: content_block_start
        data: {"type": "content_block_start", "index": 1, "content_block": {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"}}

        event: content_block_stop
        data: {"type": "content_block_stop", "index": 1}

        event: content_block_start
        data: {"type": "content_block_start", "index": 2, "content_block": {"type": "text", "text": ""}}

        event: content_block_delta
        data: {"type": "content_block_delta", "index": 2, "delta": {"type": "text_delta", "text": "27 * 453 = 12,231"}}

        event: content_block_stop
        data: {"type": "content_block_stop", "index": 2}

        event: message_delta
        data: {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null}, "usage": {"output_tokens": 100}}

        event: message_stop
        data: {"type": "message_stop"}


        """;

    [Fact]
    public void DocsTextStream_DecodesToCanonicalEvents()
    {
        var (events, stopped) = DecodeStream(DocsTextStream);

        Assert.True(stopped);
        Assert.Equal(
            [
                new ResponseStarted("msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", "claude-opus-4-6", Now.ToUnixTimeSeconds()),
                new UsageReported(new Usage { InputTokens = 25, OutputTokens = 1 }),
                new TextDelta(0, "Hello"),
                new TextDelta(0, "!"),
                new ChoiceFinished(0, FinishReason.EndTurn, "end_turn", null),
                new UsageReported(new Usage { InputTokens = 25, OutputTokens = 15 }),
            ],
            events);
    }

    [Fact]
    public void DocsToolStream_DecodesToolCallWithIndexFromZero()
    {
        var (events, _) = DecodeStream(DocsToolStream);
        var response = Accumulate(events);

        Assert.Contains(new ToolCallStarted(0, 0, "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather"), events);
        var choice = Assert.Single(response.Choices);
        Assert.Equal(FinishReason.ToolCalls, choice.FinishReason);
        Assert.Equal("Okay, let's check the weather for San Francisco:", Assert.IsType<TextPart>(choice.Parts[0]).Text);
        var call = Assert.IsType<ToolCallPart>(choice.Parts[1]);
        Assert.Equal("{\"location\": \"San Francisco, CA\"}", call.ArgumentsJson);
    }

    [Fact]
    public void ThinkingStream_KeepsSignatureAndRedactedDataExactly()
    {
        var (events, _) = DecodeStream(DocsThinkingStream);
        var choice = Assert.Single(Accumulate(events).Choices);

        var thinking = Assert.IsType<ThinkingPart>(choice.Parts[0]);
        Assert.Equal("Let me solve this step by step:\n\n1. First break down 27 * 453\n2. 453 = 400 + 50 + 3", thinking.Text);
        Assert.Equal(Signature, thinking.Signature);
        Assert.Equal("EmwKAhgBEgy3va3pzix/LafPsn4a", Assert.IsType<RedactedThinkingPart>(choice.Parts[1]).Data);
        Assert.Equal("27 * 453 = 12,231", Assert.IsType<TextPart>(choice.Parts[2]).Text);
    }

    [Fact]
    public void CacheFigures_AreNormalisedToCanonicalTotals()
    {
        var (events, _) = DecodeStream(DocsThinkingStream);
        var usage = Accumulate(events).Usage;

        Assert.Equal(new Usage { InputTokens = 160, CachedInputTokens = 100, CacheWriteInputTokens = 50, OutputTokens = 100 }, usage);
    }

    [Fact]
    public void AbsentCacheFigures_StayNull_ZeroStaysZero()
    {
        var (absent, _) = DecodeStream(DocsTextStream);
        var none = Accumulate(absent).Usage!;
        Assert.Null(none.CachedInputTokens);
        Assert.Null(none.CacheWriteInputTokens);
        Assert.Null(none.ReasoningTokens);

        var zero = DocsTextStream.Replace("\"input_tokens\": 25,", "\"input_tokens\": 25, \"cache_read_input_tokens\": 0, \"cache_creation_input_tokens\": 0,", StringComparison.Ordinal);
        var (events, _) = DecodeStream(zero);
        var usage = Accumulate(events).Usage!;
        Assert.Equal(0, usage.CachedInputTokens);
        Assert.Equal(0, usage.CacheWriteInputTokens);
        Assert.Equal(25, usage.InputTokens);
    }

    [Fact]
    public void MessageDeltaZeroInput_DoesNotOverrideStartFigure()
    {
        var sse = DocsToolStream.Replace("\"usage\":{\"output_tokens\":89}", "\"usage\":{\"input_tokens\":0,\"output_tokens\":89}", StringComparison.Ordinal);
        var (events, _) = DecodeStream(sse);

        Assert.Equal(472, Accumulate(events).Usage!.InputTokens);
    }

    [Fact]
    public void MessageDeltaCumulativeUsage_UpdatesInputAndCache()
    {
        var sse = DocsTextStream.Replace("\"usage\": {\"output_tokens\": 15}", "\"usage\": {\"input_tokens\": 30, \"cache_read_input_tokens\": 5, \"output_tokens\": 15}", StringComparison.Ordinal);
        var (events, _) = DecodeStream(sse);

        Assert.Equal(new Usage { InputTokens = 35, CachedInputTokens = 5, OutputTokens = 15 }, Accumulate(events).Usage);
    }

    [Theory]
    [InlineData(nameof(DocsTextStream))]
    [InlineData(nameof(DocsToolStream))]
    [InlineData(nameof(DocsThinkingStream))]
    public void StreamSplitAtEveryByte_DecodesTheSameEvents(string name)
    {
        string sse = name switch
        {
            nameof(DocsTextStream) => DocsTextStream,
            nameof(DocsToolStream) => DocsToolStream,
            _ => DocsThinkingStream,
        };
        var (whole, _) = DecodeStream(sse);
        int length = Encoding.UTF8.GetByteCount(sse);

        for (int i = 0; i <= length; i++)
        {
            var (split, stopped) = DecodeStream(sse, i);
            Assert.True(stopped, $"split at {i}");
            Assert.Equal(whole, split);
        }
    }

    [Fact]
    public void CrlfLineEndings_DecodeTheSame()
    {
        var (lf, _) = DecodeStream(DocsTextStream);
        var (crlf, _) = DecodeStream(DocsTextStream.Replace("\n", "\r\n", StringComparison.Ordinal));

        Assert.Equal(lf, crlf);
    }

    [Theory]
    [InlineData("overloaded_error", RelayErrorKind.Overloaded, 529)]
    [InlineData("rate_limit_error", RelayErrorKind.RateLimited, 429)]
    [InlineData("api_error", RelayErrorKind.UpstreamUnavailable, 502)]
    [InlineData("invalid_request_error", RelayErrorKind.InvalidRequest, 400)]
    public void ErrorEvent_BecomesStreamFailed(string type, RelayErrorKind kind, int status)
    {
        string sse = DocsTextStream[..DocsTextStream.IndexOf("event: content_block_delta", StringComparison.Ordinal)]
            + "event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"" + type + "\", \"message\": \"secret user text echoed\"}}\n\n";
        var (events, stopped) = DecodeStream(sse);

        Assert.False(stopped);
        var failed = Assert.IsType<StreamFailed>(events[^1]);
        Assert.Equal(kind, failed.Error.Kind);
        Assert.Equal(status, failed.Error.StatusCode);
        Assert.DoesNotContain("secret", failed.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownEventsAndBlocks_AreIgnored()
    {
        string sse = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"query\":\"x\"}"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: something_new
            data: {"type":"something_new"}

            event: message_stop
            data: {"type":"message_stop"}


            """;
        var (events, stopped) = DecodeStream(sse);

        Assert.True(stopped);
        Assert.Equal(2, events.Count);
    }

    [Fact]
    public void WholeResponse_DocsExample_Decodes()
    {
        const string json = """
            {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","content":[{"type":"text","text":"Hello!"}],"model":"claude-opus-4-6","stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":6}}
            """;
        var events = new List<ChatEvent>();
        NewDecoder().DecodeResponse(Encoding.UTF8.GetBytes(json), events);
        var response = Accumulate(events);

        Assert.Equal("msg_01XFDUDYJgAACzvnptvVoYEL", response.Id);
        Assert.Equal("claude-opus-4-6", response.Model);
        Assert.Equal("Hello!", response.Choices[0].Parts.OfType<TextPart>().Single().Text);
        Assert.Equal(FinishReason.EndTurn, response.Choices[0].FinishReason);
        Assert.Equal(new Usage { InputTokens = 12, OutputTokens = 6 }, response.Usage);
    }

    [Fact]
    public void WholeResponse_ThinkingToolUseAndStopSequence_Decode()
    {
        string json = """
            {"id":"msg_2","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[
              {"type":"thinking","thinking":"Think.","signature":"SIG"},
              {"type":"redacted_thinking","data":"RED"},
              {"type":"text","text":"Calling."},
              {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"location":"Paris"}}],
             "stop_reason":"stop_sequence","stop_sequence":"###",
             "usage":{"input_tokens":3,"cache_read_input_tokens":7,"output_tokens":9}}
            """.Replace("SIG", Signature, StringComparison.Ordinal);
        var events = new List<ChatEvent>();
        NewDecoder().DecodeResponse(Encoding.UTF8.GetBytes(json), events);
        var choice = Accumulate(events).Choices[0];

        Assert.Equal(Signature, Assert.IsType<ThinkingPart>(choice.Parts[0]).Signature);
        Assert.Equal("RED", Assert.IsType<RedactedThinkingPart>(choice.Parts[1]).Data);
        Assert.Equal("Calling.", Assert.IsType<TextPart>(choice.Parts[2]).Text);
        Assert.Equal("{\"location\":\"Paris\"}", Assert.IsType<ToolCallPart>(choice.Parts[3]).ArgumentsJson);
        Assert.Equal(FinishReason.StopSequence, choice.FinishReason);
        Assert.Equal("###", choice.StopSequence);
        Assert.Equal(new Usage { InputTokens = 10, CachedInputTokens = 7, OutputTokens = 9 }, Accumulate(events).Usage);
    }

    [Fact]
    public void MalformedEvent_ThrowsJsonException()
    {
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => DecodeStream("event: content_block_delta\ndata: {not json\n\n"));
    }
}
