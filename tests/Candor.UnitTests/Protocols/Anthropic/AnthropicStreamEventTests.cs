using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.Sse;

namespace Candor.UnitTests.Protocols.Anthropic;

/// <summary>Events of an Anthropic stream the relay must not pass on as they came (issue 14 items 7 and 8).</summary>
public sealed class AnthropicStreamEventTests
{
    [Theory]
    [InlineData("{\"type\": \"pi")]
    [InlineData("not json")]
    [InlineData("[1]")]
    public void BrokenPing_IsMalformed_SoTheFastPathNeverRelaysIt(string data)
    {
        var decoder = AnthropicTestHelpers.NewDecoder();
        var ev = new SseEvent("ping", System.Text.Encoding.UTF8.GetBytes(data), null);
        Assert.ThrowsAny<JsonException>(() => decoder.DecodeStreamEvent(ev, []));
    }

    [Fact]
    public void ToolUseWithoutArguments_GetsAnEmptyObjectOnceWhenItsBlockStops()
    {
        var (events, _) = AnthropicTestHelpers.DecodeStream("""
            event: message_start
            data: {"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":3,"output_tokens":1}}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"now","input":{}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":""}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: content_block_start
            data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_2","name":"at","input":{}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"x\":1}"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":1}

            event: message_stop
            data: {"type":"message_stop"}


            """);
        var arguments = events.OfType<ToolCallArgumentsDelta>().Select(static a => (a.ToolIndex, a.Fragment)).ToList();
        Assert.Equal([(0, "{}"), (1, "{\"x\":1}")], arguments);
    }
}
