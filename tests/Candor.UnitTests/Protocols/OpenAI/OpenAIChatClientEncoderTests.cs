using System.Text.Json;
using System.Text.Json.Nodes;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using static Candor.UnitTests.Protocols.OpenAI.OpenAITestHelpers;

namespace Candor.UnitTests.Protocols.OpenAI;

public sealed class OpenAIChatClientEncoderTests
{
    private static ChatRequest Request(bool includeUsage) => new() { Model = "public-model", Stream = true, IncludeUsage = includeUsage };

    private static string Stream(OpenAIChatClientEncoder encoder, IEnumerable<ChatEvent> events, bool end = true) => Write(output =>
    {
        foreach (var ev in events)
        {
            encoder.WriteStreamEvent(ev, output);
        }

        if (end)
        {
            encoder.WriteStreamEnd(output);
        }
    });

    [Fact]
    public void TextStream_WritesOpenAIChunks()
    {
        var encoder = new OpenAIChatClientEncoder(Request(includeUsage: false));
        string sse = Stream(encoder,
        [
            new ResponseStarted("chatcmpl-1", "gpt-4o-2024-08-06", 1700000000) { SystemFingerprint = "fp_1" },
            new ThinkingDelta(0, "why"),
            new ThinkingDelta(0, "", "sig-ignored"),
            new TextDelta(0, "Hi\nthere"),
            new ChoiceFinished(0, FinishReason.EndTurn),
            new UsageReported(new Usage { InputTokens = 3, OutputTokens = 2 }),
        ]);
        var lines = DataLines(sse);
        const string head = "\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_1\"";
        Assert.Equal(
            [
                "{" + head + ",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}",
                "{" + head + ",\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"why\"},\"logprobs\":null,\"finish_reason\":null}]}",
                "{" + head + ",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\\nthere\"},\"logprobs\":null,\"finish_reason\":null}]}",
                "{" + head + ",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}",
                "[DONE]",
            ],
            lines);
    }

    [Fact]
    public void IncludeUsage_AddsNullUsageToChunksAndAFinalUsageChunk()
    {
        var encoder = new OpenAIChatClientEncoder(Request(includeUsage: true));
        string sse = Stream(encoder,
        [
            new ResponseStarted("c", null, 5),
            new TextDelta(0, "x"),
            new ChoiceFinished(0, FinishReason.MaxTokens),
            new UsageReported(new Usage { InputTokens = 10, CachedInputTokens = 4 }),
            new UsageReported(new Usage { OutputTokens = 7, ReasoningTokens = 2 }),
        ]);
        var lines = DataLines(sse);
        Assert.Equal("[DONE]", lines[^1]);
        foreach (var line in lines.SkipLast(2))
        {
            Assert.Contains("\"usage\":null", line, StringComparison.Ordinal);
        }

        AssertJsonEqual("""
            {"id":"c","object":"chat.completion.chunk","created":5,"model":"public-model","choices":[],
             "usage":{"prompt_tokens":10,"completion_tokens":7,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":2}}}
            """, lines[^2]);
        Assert.Contains("\"finish_reason\":\"length\"", lines[^3], StringComparison.Ordinal);
    }

    [Fact]
    public void UsageZero_IsWrittenAsZero_UsageAbsent_IsNull()
    {
        var zero = DataLines(Stream(new OpenAIChatClientEncoder(Request(true)), [new ResponseStarted("c", "m", 1), new UsageReported(new Usage { InputTokens = 0, OutputTokens = 0, TotalTokens = 0 })]));
        AssertJsonEqual("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}}""", zero[^2]);
        var absent = DataLines(Stream(new OpenAIChatClientEncoder(Request(true)), [new ResponseStarted("c", "m", 1)]));
        AssertJsonEqual("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":null}""", absent[^2]);
        var notAsked = DataLines(Stream(new OpenAIChatClientEncoder(Request(false)), [new ResponseStarted("c", "m", 1), new UsageReported(new Usage { InputTokens = 1 })]));
        Assert.DoesNotContain(notAsked, static l => l.Contains("usage", StringComparison.Ordinal));
    }

    [Fact]
    public void ToolCalls_StreamAsOpenAIToolDeltas()
    {
        var encoder = new OpenAIChatClientEncoder(Request(false));
        var lines = DataLines(Stream(encoder,
        [
            new ResponseStarted("c", "m", 1),
            new ToolCallStarted(0, 0, "call_1", "get_weather"),
            new ToolCallArgumentsDelta(0, 0, "{\"city\":"),
            new ToolCallArgumentsDelta(0, 0, "\"Paris\"}"),
            new ChoiceFinished(0, FinishReason.ToolCalls),
        ]));
        var deltas = lines.Take(5).Select(static l => JsonNode.Parse(l)!["choices"]![0]!).ToList();
        AssertJsonEqual("""{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}""", deltas[1].ToJsonString());
        AssertJsonEqual("""{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]},"logprobs":null,"finish_reason":null}""", deltas[2].ToJsonString());
        Assert.Equal("tool_calls", deltas[4]["finish_reason"]!.GetValue<string>());
    }

    [Fact]
    public void EncodedStream_RoundTripsThroughTheUpstreamDecoder()
    {
        var events = new List<ChatEvent>
        {
            new ResponseStarted("c", "m", 1),
            new ThinkingDelta(0, "t"),
            new TextDelta(0, "a"),
            new ToolCallStarted(0, 0, "id1", "f"),
            new ToolCallArgumentsDelta(0, 0, "{}"),
            new TextDelta(1, "b"),
            new ChoiceFinished(0, FinishReason.ToolCalls, "tool_calls"),
            new ChoiceFinished(1, FinishReason.EndTurn, "stop"),
            new UsageReported(new Usage { InputTokens = 1, OutputTokens = 2, TotalTokens = 3 }),
        };
        string sse = Stream(new OpenAIChatClientEncoder(Request(true)), events);
        var decoded = DecodeStreamAllSplits(static () => new OpenAIChatUpstreamDecoder(), sse);
        Assert.Equal(events, decoded);
    }

    [Fact]
    public void StreamError_WritesOpenAIErrorEnvelope()
    {
        var encoder = new OpenAIChatClientEncoder(Request(false));
        string sse = Write(o => encoder.WriteStreamError(new RelayError(RelayStage.Upstream, RelayErrorKind.UpstreamUnavailable, 502, "The upstream provider failed."), o));
        Assert.Equal("data: {\"error\":{\"message\":\"The upstream provider failed.\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n", sse);
    }

    [Fact]
    public void StreamFailedEvent_WritesTheErrorEnvelope()
    {
        var encoder = new OpenAIChatClientEncoder(Request(false));
        var lines = DataLines(Stream(encoder, [new ResponseStarted("c", "m", 1), new StreamFailed(new RelayError(RelayStage.Upstream, RelayErrorKind.RateLimited, 429, "Slow down."))], end: false));
        AssertJsonEqual("""{"error":{"message":"Slow down.","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}""", lines[^1]);
    }

    [Fact]
    public void NonStreamedResponse_WritesChatCompletion()
    {
        var acc = new ChatResponseAccumulator();
        foreach (var ev in new ChatEvent[]
        {
            new ResponseStarted("chatcmpl-9", null, 1741570283) { SystemFingerprint = "fp_x" },
            new ThinkingDelta(0, "think"),
            new ToolCallStarted(0, 0, "call_1", "f"),
            new ToolCallArgumentsDelta(0, 0, "{\"a\":1}"),
            new ChoiceFinished(0, FinishReason.ToolCalls),
            new TextDelta(1, "Hello"),
            new LogprobsDelta(1, JsonDocument.Parse("""[{"token":"Hello","logprob":-0.5,"bytes":null,"top_logprobs":[]}]""").RootElement),
            new ChoiceFinished(1, FinishReason.StopSequence),
            new UsageReported(new Usage { InputTokens = 5, OutputTokens = 6, TotalTokens = 11 }),
        })
        {
            acc.Add(ev);
        }

        var encoder = new OpenAIChatClientEncoder(new ChatRequest { Model = "public-model" });
        string json = Write(o => encoder.WriteResponse(acc.Response, o));
        AssertJsonEqual("""
            {"id":"chatcmpl-9","object":"chat.completion","created":1741570283,"model":"public-model",
             "choices":[
               {"index":0,"message":{"role":"assistant","content":null,"reasoning_content":"think",
                 "tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},
                "logprobs":null,"finish_reason":"tool_calls"},
               {"index":1,"message":{"role":"assistant","content":"Hello"},
                "logprobs":{"content":[{"token":"Hello","logprob":-0.5,"bytes":null,"top_logprobs":[]}]},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":5,"completion_tokens":6,"total_tokens":11},
             "system_fingerprint":"fp_x"}
            """, json);
    }

    [Theory]
    [InlineData(FinishReason.EndTurn, "stop")]
    [InlineData(FinishReason.StopSequence, "stop")]
    [InlineData(FinishReason.MaxTokens, "length")]
    [InlineData(FinishReason.ToolCalls, "tool_calls")]
    [InlineData(FinishReason.ContentFilter, "content_filter")]
    [InlineData(FinishReason.PauseTurn, "stop")]
    [InlineData(FinishReason.Other, "stop")]
    public void FinishReasons_MapToOpenAIWords(FinishReason reason, string expected)
    {
        var lines = DataLines(Stream(new OpenAIChatClientEncoder(Request(false)), [new ResponseStarted("c", "m", 1), new ChoiceFinished(0, reason)], end: false));
        Assert.Equal(expected, JsonNode.Parse(lines[^1])!["choices"]![0]!["finish_reason"]!.GetValue<string>());
    }
}
