using System.Text;
using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using Candor.Protocols.Sse;
using static Candor.UnitTests.Protocols.OpenAI.OpenAITestHelpers;

namespace Candor.UnitTests.Protocols.OpenAI;

public sealed class OpenAIChatUpstreamDecoderTests
{
    private static OpenAIChatUpstreamDecoder New() => new();

    // The streaming example of OpenAI's reference, with the usage chunk that include_usage adds.
    private const string TextStream =
        "data: {\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n" +
        "data: {\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n" +
        "data: {\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" wörld\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n" +
        "data: {\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}\n\n" +
        "data: {\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":12,\"total_tokens\":21,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0}}}\n\n" +
        "data: [DONE]\n\n";

    [Fact]
    public void TextStream_DecodesAtEverySplit()
    {
        var events = DecodeStreamAllSplits(New, TextStream);
        Assert.Equal(
            [
                new ResponseStarted("chatcmpl-123", "gpt-4o-mini", 1694268190) { SystemFingerprint = "fp_44709d6fcb" },
                new TextDelta(0, "Hello"),
                new TextDelta(0, " wörld"),
                new ChoiceFinished(0, FinishReason.EndTurn, "stop"),
                new UsageReported(new Usage { InputTokens = 9, OutputTokens = 12, TotalTokens = 21, CachedInputTokens = 0, ReasoningTokens = 0 }),
            ],
            events);
    }

    [Fact]
    public void DoneEvent_EndsTheStream()
    {
        var decoder = New();
        var ev = new SseEvent(null, "[DONE]"u8.ToArray(), null);
        Assert.False(decoder.DecodeStreamEvent(ev, []));
    }

    // Tool-call streaming as OpenAI sends it: the first fragment carries id and name, later ones only
    // argument pieces; two parallel calls by index.
    private const string ToolStream =
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}\n\n" +
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"loc\"}}]},\"finish_reason\":null}]}\n\n" +
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"ation\\\":\\\"Paris\\\"}\"}}]},\"finish_reason\":null}]}\n\n" +
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]},\"finish_reason\":null}]}\n\n" +
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n" +
        "data: [DONE]\n\n";

    [Fact]
    public void ToolCallFragments_DecodeAtEverySplit()
    {
        var events = DecodeStreamAllSplits(New, ToolStream);
        Assert.Equal(
            [
                new ResponseStarted("c1", "gpt-4o", 1),
                new ToolCallStarted(0, 0, "call_a", "get_weather"),
                new ToolCallArgumentsDelta(0, 0, "{\"loc"),
                new ToolCallArgumentsDelta(0, 0, "ation\":\"Paris\"}"),
                new ToolCallStarted(0, 1, "call_b", "get_time"),
                new ToolCallArgumentsDelta(0, 1, "{}"),
                new ChoiceFinished(0, FinishReason.ToolCalls, "tool_calls"),
            ],
            events);
        var acc = new ChatResponseAccumulator();
        events.ForEach(acc.Add);
        var calls = acc.Response.Choices[0].Parts.OfType<ToolCallPart>().ToList();
        Assert.Equal("{\"location\":\"Paris\"}", calls[0].ArgumentsJson);
    }

    [Fact]
    public void ReasoningContent_BecomesThinking_AndDeepSeekCacheFieldsAreRead()
    {
        const string sse =
            "data: {\"id\":\"d1\",\"object\":\"chat.completion.chunk\",\"created\":5,\"model\":\"deepseek-reasoner\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"reasoning_content\":\"Hmm\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n" +
            "data: {\"id\":\"d1\",\"object\":\"chat.completion.chunk\",\"created\":5,\"model\":\"deepseek-reasoner\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"42\",\"reasoning_content\":null},\"logprobs\":null,\"finish_reason\":null}]}\n\n" +
            "data: {\"id\":\"d1\",\"object\":\"chat.completion.chunk\",\"created\":5,\"model\":\"deepseek-reasoner\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"logprobs\":null,\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":20,\"total_tokens\":30,\"prompt_cache_hit_tokens\":4,\"prompt_cache_miss_tokens\":6,\"completion_tokens_details\":{\"reasoning_tokens\":15}}}\n\n" +
            "data: [DONE]\n\n";
        var events = DecodeStreamAllSplits(New, sse);
        Assert.Equal(
            [
                new ResponseStarted("d1", "deepseek-reasoner", 5),
                new ThinkingDelta(0, "Hmm"),
                new TextDelta(0, "42"),
                new ChoiceFinished(0, FinishReason.MaxTokens, "length"),
                new UsageReported(new Usage { InputTokens = 10, OutputTokens = 20, TotalTokens = 30, CachedInputTokens = 4, ReasoningTokens = 15 }),
            ],
            events);
    }

    [Fact]
    public void MoonshotUsageInsideChoice_IsReported()
    {
        const string sse =
            "data: {\"id\":\"k1\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"kimi-k2\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n" +
            "data: {\"id\":\"k1\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"kimi-k2\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\",\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":13,\"total_tokens\":32,\"cached_tokens\":8}}]}\n\n" +
            "data: [DONE]\n\n";
        var events = DecodeStreamAllSplits(New, sse);
        Assert.Equal(new UsageReported(new Usage { InputTokens = 19, OutputTokens = 13, TotalTokens = 32, CachedInputTokens = 8 }), events[^1]);
    }

    [Fact]
    public void UsageAbsentFigures_StayNull_ZeroStaysZero()
    {
        const string sse =
            "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":0,\"completion_tokens\":5}}\n\n";
        var events = DecodeStreamAllSplits(New, sse);
        var usage = Assert.IsType<UsageReported>(events[^1]).Usage;
        Assert.Equal(0, usage.InputTokens);
        Assert.Equal(5, usage.OutputTokens);
        Assert.Null(usage.TotalTokens);
        Assert.Null(usage.CachedInputTokens);
        Assert.Null(usage.ReasoningTokens);
    }

    [Fact]
    public void NullUsage_ReportsNothing()
    {
        var events = DecodeStreamAllSplits(New, "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],\"usage\":null}\n\n");
        Assert.DoesNotContain(events, static e => e is UsageReported);
    }

    [Fact]
    public void ErrorChunk_BecomesStreamFailedWithoutTheUpstreamMessage()
    {
        const string sse =
            "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":null}]}\n\n" +
            "data: {\"error\":{\"message\":\"user secret echoed\",\"type\":\"server_error\",\"param\":null,\"code\":\"server_error\"}}\n\n";
        var events = DecodeStreamAllSplits(New, sse);
        var failed = Assert.IsType<StreamFailed>(events[^1]);
        Assert.Equal(RelayStage.Upstream, failed.Error.Stage);
        Assert.Equal("server_error", failed.Error.Code);
        Assert.DoesNotContain("secret", failed.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Logprobs_AreForwardedAsRawContent()
    {
        const string sse =
            "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"logprobs\":{\"content\":[{\"token\":\"Hi\",\"logprob\":-0.1,\"bytes\":[72,105],\"top_logprobs\":[]}],\"refusal\":null},\"finish_reason\":null}]}\n\n";
        var events = DecodeStreamAllSplits(New, sse);
        var lp = Assert.IsType<LogprobsDelta>(events[^1]);
        Assert.Equal("""[{"token":"Hi","logprob":-0.1,"bytes":[72,105],"top_logprobs":[]}]""", lp.Content.GetRawText());
    }

    [Fact]
    public void MultipleChoices_KeepTheirIndexes()
    {
        const string sse =
            "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":1,\"delta\":{\"content\":\"B\"},\"finish_reason\":null},{\"index\":0,\"delta\":{\"content\":\"A\"},\"finish_reason\":null}]}\n\n";
        var events = DecodeStreamAllSplits(New, sse);
        Assert.Equal([new TextDelta(1, "B"), new TextDelta(0, "A")], events.Skip(1));
    }

    [Fact]
    public void NonStreamedResponse_DecodesToEvents()
    {
        const string json = """
            {
              "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
              "object": "chat.completion",
              "created": 1741570283,
              "model": "gpt-4o-2024-08-06",
              "choices": [
                {
                  "index": 0,
                  "message": {
                    "role": "assistant",
                    "content": null,
                    "reasoning_content": "thought",
                    "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{\"a\":1}"}}],
                    "refusal": null,
                    "annotations": []
                  },
                  "logprobs": null,
                  "finish_reason": "tool_calls"
                }
              ],
              "usage": {
                "prompt_tokens": 1117, "completion_tokens": 46, "total_tokens": 1163,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
              },
              "service_tier": "default",
              "system_fingerprint": "fp_fc9f1d7035"
            }
            """;
        var events = new List<ChatEvent>();
        New().DecodeResponse(Encoding.UTF8.GetBytes(json), events);
        Assert.Equal(
            [
                new ResponseStarted("chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", "gpt-4o-2024-08-06", 1741570283) { SystemFingerprint = "fp_fc9f1d7035" },
                new ThinkingDelta(0, "thought"),
                new ToolCallStarted(0, 0, "call_1", "f"),
                new ToolCallArgumentsDelta(0, 0, "{\"a\":1}"),
                new ChoiceFinished(0, FinishReason.ToolCalls, "tool_calls"),
                new UsageReported(new Usage { InputTokens = 1117, OutputTokens = 46, TotalTokens = 1163, CachedInputTokens = 0, ReasoningTokens = 0 }),
            ],
            events);
    }

    [Fact]
    public void StopAfterToolCalls_ForcedNamedFunction_IsToolCalls()
    {
        // OpenAI reports "stop" when tool_choice names a function; the choice still ended to call it.
        const string sse =
            "data: {\"id\":\"c2\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},\"finish_reason\":null}]}\n\n" +
            "data: {\"id\":\"c2\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n" +
            "data: [DONE]\n\n";
        var events = DecodeStreamAllSplits(New, sse);
        Assert.Equal(new ChoiceFinished(0, FinishReason.ToolCalls, "stop"), events.OfType<ChoiceFinished>().Single());

        var whole = new List<ChatEvent>();
        New().DecodeResponse("""
            {"id":"c3","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":null,
             "tool_calls":[{"id":"call_a","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"stop"}]}
            """u8, whole);
        Assert.Equal(new ChoiceFinished(0, FinishReason.ToolCalls, "stop"), whole.OfType<ChoiceFinished>().Single());
    }

    [Fact]
    public void StopWithoutToolCalls_IsEndTurn()
    {
        var whole = new List<ChatEvent>();
        New().DecodeResponse("""
            {"id":"c4","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]}
            """u8, whole);
        Assert.Equal(new ChoiceFinished(0, FinishReason.EndTurn, "stop"), whole.OfType<ChoiceFinished>().Single());
    }

    [Fact]
    public void AzurePromptFilterChunk_DoesNotStartTheResponse()
    {
        const string sse =
            "data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\",\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{}}]}\n\n" +
            "data: {\"choices\":[{\"content_filter_results\":{},\"delta\":{\"content\":\"Hi\",\"role\":\"assistant\"},\"finish_reason\":null,\"index\":0}],\"created\":1,\"id\":\"chatcmpl-az\",\"model\":\"gpt-4o-2024-11-20\",\"object\":\"chat.completion.chunk\"}\n\n" +
            "data: [DONE]\n\n";
        var events = DecodeStreamAllSplits(New, sse);
        Assert.Equal([new ResponseStarted("chatcmpl-az", "gpt-4o-2024-11-20", 1), new TextDelta(0, "Hi")], events);
    }

    [Fact]
    public void ErrorEventWithPlainText_BecomesStreamFailed()
    {
        var events = DecodeStreamAllSplits(New, "event: error\ndata: Internal server error\n\n");
        Assert.IsType<StreamFailed>(Assert.Single(events));
    }

    [Fact]
    public void ToolCallsWithoutIndex_OrWithRepeatedIds_AreToldApart()
    {
        const string sse =
            "data: {\"id\":\"o\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"llama\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"a\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}},{\"id\":\"b\",\"function\":{\"name\":\"g\",\"arguments\":\"{}\"}}]},\"finish_reason\":null}]}\n\n" +
            "data: {\"id\":\"o\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"llama\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"c\",\"function\":{\"name\":\"h\",\"arguments\":\"{\\\"x\\\"\"}}]},\"finish_reason\":null}]}\n\n" +
            "data: {\"id\":\"o\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"llama\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"function\":{\"arguments\":\":1}\"}}]},\"finish_reason\":null}]}\n\n" +
            "data: {\"id\":\"o\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"llama\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"d\",\"function\":{\"name\":\"k\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}\n\n" +
            "data: {\"id\":\"o\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"llama\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"d\",\"function\":{\"arguments\":\"{}\"}}]},\"finish_reason\":null}]}\n\n" +
            "data: {\"id\":\"o\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"llama\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"e\",\"function\":{\"name\":\"m\",\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n";
        var events = DecodeStreamAllSplits(New, sse);
        Assert.Equal(
            [
                new ResponseStarted("o", "llama", 1),
                new ToolCallStarted(0, 0, "a", "f"),
                new ToolCallArgumentsDelta(0, 0, "{}"),
                new ToolCallStarted(0, 1, "b", "g"),
                new ToolCallArgumentsDelta(0, 1, "{}"),
                new ToolCallStarted(0, 2, "c", "h"),
                new ToolCallArgumentsDelta(0, 2, "{\"x\""),
                new ToolCallArgumentsDelta(0, 2, ":1}"),
                new ToolCallStarted(0, 3, "d", "k"),
                new ToolCallArgumentsDelta(0, 3, "{}"),
                new ToolCallStarted(0, 4, "e", "m"),
                new ToolCallArgumentsDelta(0, 4, "{}"),
                new ChoiceFinished(0, FinishReason.ToolCalls, "tool_calls"),
            ],
            events);
    }

    [Fact]
    public void MalformedBody_Throws()
    {
        Assert.ThrowsAny<JsonException>(() => New().DecodeResponse("{\"id\":1}"u8, []));
        Assert.ThrowsAny<JsonException>(() => New().DecodeStreamEvent(new SseEvent(null, "{not json"u8.ToArray(), null), []));
    }
}
