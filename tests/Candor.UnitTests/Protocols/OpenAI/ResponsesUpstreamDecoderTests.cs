using System.Text;
using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using Candor.Protocols.Sse;

namespace Candor.UnitTests.Protocols.OpenAI;

public sealed class ResponsesUpstreamDecoderTests
{
    private static SseEvent Event(string type, string json) => new(type, Encoding.UTF8.GetBytes(json), null);

    [Fact]
    public void Stream_TextReasoningAndCall_BecomeCanonicalEventsAndTheCompletedEventEndsWithUsage()
    {
        var decoder = new ResponsesUpstreamDecoder();
        var output = new List<ChatEvent>();
        bool[] more =
        [
            decoder.DecodeStreamEvent(Event("response.created", """{"type":"response.created","sequence_number":0,"response":{"id":"resp_1","model":"o4-mini","created_at":7}}"""), output),
            decoder.DecodeStreamEvent(Event("response.reasoning_summary_text.delta", """{"type":"response.reasoning_summary_text.delta","delta":"think"}"""), output),
            decoder.DecodeStreamEvent(Event("response.output_text.delta", """{"type":"response.output_text.delta","delta":"hi"}"""), output),
            decoder.DecodeStreamEvent(Event("response.output_item.added", """{"type":"response.output_item.added","item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"f","arguments":""}}"""), output),
            decoder.DecodeStreamEvent(Event("response.function_call_arguments.delta", """{"type":"response.function_call_arguments.delta","item_id":"fc_1","delta":"{}"}"""), output),
            decoder.DecodeStreamEvent(Event("response.output_text.done", """{"type":"response.output_text.done","text":"hi"}"""), output),
            decoder.DecodeStreamEvent(Event("response.completed", """{"type":"response.completed","response":{"status":"completed","usage":{"input_tokens":5,"input_tokens_details":{"cached_tokens":2},"output_tokens":9,"output_tokens_details":{"reasoning_tokens":4},"total_tokens":14}}}"""), output),
        ];

        Assert.Equal([true, true, true, true, true, true, false], more);
        Assert.Equal(new ResponseStarted("resp_1", "o4-mini", 7), output[0]);
        Assert.Equal(new ThinkingDelta(0, "think"), output[1]);
        Assert.Equal(new TextDelta(0, "hi"), output[2]);
        Assert.Equal(new ToolCallStarted(0, 0, "call_1", "f"), output[3]);
        Assert.Equal(new ToolCallArgumentsDelta(0, 0, "{}"), output[4]);
        var usage = Assert.IsType<UsageReported>(output[5]).Usage;
        Assert.Equal((5, 2, 9, 4, 14), (usage.InputTokens, usage.CachedInputTokens, usage.OutputTokens, usage.ReasoningTokens, usage.TotalTokens));
        Assert.Equal(FinishReason.ToolCalls, Assert.IsType<ChoiceFinished>(output[6]).Reason);
        Assert.Equal(7, output.Count);
    }

    [Theory]
    [InlineData("response.failed", """{"type":"response.failed","response":{"status":"failed","error":{"code":"server_error","message":"secret prompt echo"}}}""", 502)]
    [InlineData("error", """{"type":"error","code":"rate_limit_exceeded","message":"slow down"}""", 429)]
    public void Stream_FailureEvents_EndTheStreamWithoutTheUpstreamsMessage(string type, string json, int status)
    {
        var output = new List<ChatEvent>();

        Assert.False(new ResponsesUpstreamDecoder().DecodeStreamEvent(Event(type, json), output));
        var failed = Assert.IsType<StreamFailed>(Assert.Single(output));
        Assert.Equal(status, failed.Error.StatusCode);
        Assert.DoesNotContain("echo", failed.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stream_NotJson_Throws()
    {
        Assert.ThrowsAny<JsonException>(() => new ResponsesUpstreamDecoder().DecodeStreamEvent(Event("response.output_text.delta", """{"type":"resp"""), []));
    }

    [Fact]
    public void Whole_IncompleteResponse_IsMaxTokensWithItsItems()
    {
        var output = new List<ChatEvent>();
        new ResponsesUpstreamDecoder().DecodeResponse("""
            {"id":"resp_2","model":"gpt-4o","created_at":1,"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},
             "output":[{"type":"reasoning","summary":[{"type":"summary_text","text":"s"}]},{"type":"message","content":[{"type":"output_text","text":"cut"}]}],
             "usage":{"input_tokens":3,"output_tokens":2,"total_tokens":5}}
            """u8, output);

        Assert.Equal(new ThinkingDelta(0, "s"), output[1]);
        Assert.Equal(new TextDelta(0, "cut"), output[2]);
        Assert.Equal(FinishReason.MaxTokens, Assert.IsType<ChoiceFinished>(output[^1]).Reason);
    }
}
