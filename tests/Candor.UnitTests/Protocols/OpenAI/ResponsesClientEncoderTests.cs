using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using Candor.Protocols.Sse;
using static Candor.UnitTests.Protocols.OpenAI.OpenAITestHelpers;

namespace Candor.UnitTests.Protocols.OpenAI;

public sealed class ResponsesClientEncoderTests
{
    private static ChatRequest Request(bool encrypted = false)
    {
        var r = new ChatRequest { Model = "public-model", Stream = true, SourceProtocol = WireProtocol.OpenAIResponses };
        if (encrypted)
        {
            Assert.True(ResponsesRequestDecoder.TryDecode("""{"model":"public-model","input":"x","include":["reasoning.encrypted_content"]}"""u8, out var decoded, out _));
            r.Unmapped = decoded.Unmapped;
        }

        return r;
    }

    /// <summary>The stream's events as (event line, parsed data) pairs, checking that each event line names the data's type.</summary>
    private static List<JsonElement> Stream(ResponsesClientEncoder encoder, IEnumerable<ChatEvent> events, bool end = true)
    {
        string sse = Write(output =>
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
        var parsed = new List<JsonElement>();
        using var parser = new SseParser();
        var buffer = new System.Buffers.ReadOnlySequence<byte>(System.Text.Encoding.UTF8.GetBytes(sse));
        while (parser.TryParse(ref buffer, true, out var ev))
        {
            var data = JsonDocument.Parse(ev.Data).RootElement.Clone();
            Assert.Equal(ev.EventType, data.GetProperty("type").GetString());
            Assert.Equal(parsed.Count, data.GetProperty("sequence_number").GetInt32());
            parsed.Add(data);
        }

        return parsed;
    }

    private static IEnumerable<string?> Types(List<JsonElement> events) => events.Select(e => e.GetProperty("type").GetString());

    [Fact]
    public void ReasoningTextAndToolCall_StreamTheFullEventSequence()
    {
        var events = Stream(new ResponsesClientEncoder(Request(encrypted: true)),
        [
            new ResponseStarted("msg_up", "claude-x", 1700000000),
            new ThinkingDelta(0, "Let me "),
            new ThinkingDelta(0, "think"),
            new ThinkingDelta(0, "", "sig-1"),
            new TextDelta(0, "Hi"),
            new TextDelta(0, " there"),
            new ToolCallStarted(0, 0, "call_1", "get_weather"),
            new ToolCallArgumentsDelta(0, 0, "{\"city\":"),
            new ToolCallArgumentsDelta(0, 0, "\"Paris\"}"),
            new ChoiceFinished(0, FinishReason.ToolCalls),
            new UsageReported(new Usage { InputTokens = 10, OutputTokens = 20, CachedInputTokens = 4, ReasoningTokens = 5 }),
        ]);

        Assert.Equal(
            [
                "response.created", "response.in_progress",
                "response.output_item.added", "response.reasoning_summary_part.added",
                "response.reasoning_summary_text.delta", "response.reasoning_summary_text.delta",
                "response.reasoning_summary_text.done", "response.reasoning_summary_part.done", "response.output_item.done",
                "response.output_item.added", "response.content_part.added",
                "response.output_text.delta", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.output_item.added",
                "response.function_call_arguments.delta", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done",
                "response.completed",
            ],
            Types(events));
        var created = events[0].GetProperty("response");
        Assert.Equal("resp_msg_up", created.GetProperty("id").GetString());
        Assert.Equal("in_progress", created.GetProperty("status").GetString());
        Assert.False(created.GetProperty("store").GetBoolean());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("usage").ValueKind);

        var reasoningDone = events[8].GetProperty("item");
        Assert.Equal("reasoning", reasoningDone.GetProperty("type").GetString());
        Assert.Equal("Let me think", reasoningDone.GetProperty("summary")[0].GetProperty("text").GetString());
        Assert.Equal("sig-1", reasoningDone.GetProperty("encrypted_content").GetString());
        Assert.Equal("Hi there", events[13].GetProperty("text").GetString());
        Assert.Equal(events[9].GetProperty("item").GetProperty("id").GetString(), events[11].GetProperty("item_id").GetString());
        Assert.Equal(1, events[11].GetProperty("output_index").GetInt32());
        var call = events[20].GetProperty("item");
        Assert.Equal(("function_call", "call_1", "get_weather", "{\"city\":\"Paris\"}"),
            (call.GetProperty("type").GetString(), call.GetProperty("call_id").GetString(), call.GetProperty("name").GetString(), call.GetProperty("arguments").GetString()));

        var completed = events[^1].GetProperty("response");
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        Assert.Equal(3, completed.GetProperty("output").GetArrayLength());
        var usage = completed.GetProperty("usage");
        Assert.Equal((10, 4, 20, 5, 30),
            (usage.GetProperty("input_tokens").GetInt32(), usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt32(),
             usage.GetProperty("output_tokens").GetInt32(), usage.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt32(),
             usage.GetProperty("total_tokens").GetInt32()));
    }

    [Fact]
    public void EncryptedContent_OnlyWhenIncluded()
    {
        var events = Stream(new ResponsesClientEncoder(Request()), [new ThinkingDelta(0, "t", null), new ThinkingDelta(0, "", "sig"), new ChoiceFinished(0, FinishReason.EndTurn)]);

        Assert.False(events.Single(e => e.GetProperty("type").GetString() == "response.output_item.done").GetProperty("item").TryGetProperty("encrypted_content", out _));
    }

    [Fact]
    public void RedactedThinking_TravelsInTheCarrierTheDecoderReadsBack()
    {
        var events = Stream(new ResponsesClientEncoder(Request(encrypted: true)), [new RedactedThinkingBlock(0, "opaque=="), new TextDelta(0, "ok")]);
        var item = events.First(e => e.GetProperty("type").GetString() == "response.output_item.done").GetProperty("item");

        string json = $$"""{"model":"m","input":[{"role":"user","content":"q"},{{item.GetRawText()}}]}""";
        Assert.True(ResponsesRequestDecoder.TryDecode(System.Text.Encoding.UTF8.GetBytes(json), out var back, out _));
        Assert.Equal("opaque==", Assert.IsType<RedactedThinkingPart>(back.Messages[1].Parts[0]).Data);
    }

    [Fact]
    public void MaxTokens_EndsWithResponseIncomplete()
    {
        var events = Stream(new ResponsesClientEncoder(Request()), [new ResponseStarted("r", null, 1), new TextDelta(0, "cut"), new ChoiceFinished(0, FinishReason.MaxTokens)]);

        Assert.Equal("response.incomplete", events[^1].GetProperty("type").GetString());
        var response = events[^1].GetProperty("response");
        Assert.Equal("incomplete", response.GetProperty("status").GetString());
        Assert.Equal("max_output_tokens", response.GetProperty("incomplete_details").GetProperty("reason").GetString());
        Assert.Equal("public-model", response.GetProperty("model").GetString());
    }

    [Fact]
    public void ErrorAfterTheFirstByte_IsAnErrorEventThenResponseFailed()
    {
        var encoder = new ResponsesClientEncoder(Request());
        var events = Stream(encoder,
            [new ResponseStarted("r", "m", 1), new TextDelta(0, "par"), new StreamFailed(new RelayError(RelayStage.Upstream, RelayErrorKind.UpstreamError, 502, "The upstream failed."))],
            end: false);

        Assert.Equal(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added", "response.output_text.delta", "error", "response.failed"], Types(events));
        Assert.Equal(("server_error", "The upstream failed."), (events[5].GetProperty("code").GetString(), events[5].GetProperty("message").GetString()));
        var failed = events[6].GetProperty("response");
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal("server_error", failed.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public void EmptyArguments_AreAnEmptyObject()
    {
        var events = Stream(new ResponsesClientEncoder(Request()), [new ToolCallStarted(0, 0, "toolu_1", "now"), new ChoiceFinished(0, FinishReason.ToolCalls)]);

        Assert.Equal("{}", events.Single(e => e.GetProperty("type").GetString() == "response.function_call_arguments.done").GetProperty("arguments").GetString());
    }

    [Fact]
    public void WholeResponse_GroupsPartsIntoOutputItems()
    {
        var response = new ChatResponse { Id = "chatcmpl-9", Model = "gpt-x", CreatedUnixSeconds = 1700000001, Usage = new Usage { InputTokens = 3, OutputTokens = 4 } };
        var choice = new ChatChoice(0) { FinishReason = FinishReason.ToolCalls };
        choice.Parts.Add(new ThinkingPart("hmm") { Signature = "s" });
        choice.Parts.Add(new TextPart("a"));
        choice.Parts.Add(new TextPart("b"));
        choice.Parts.Add(new ToolCallPart("call_1", "f", "{\"x\":1}"));
        response.Choices.Add(choice);

        using var doc = JsonDocument.Parse(Write(output => new ResponsesClientEncoder(Request(encrypted: true)).WriteResponse(response, output)));
        var root = doc.RootElement;

        Assert.Equal(("resp_chatcmpl-9", "response", "completed", "gpt-x", 1700000001L),
            (root.GetProperty("id").GetString(), root.GetProperty("object").GetString(), root.GetProperty("status").GetString(),
             root.GetProperty("model").GetString(), root.GetProperty("created_at").GetInt64()));
        var output = root.GetProperty("output");
        Assert.Equal(["reasoning", "message", "function_call"], output.EnumerateArray().Select(i => i.GetProperty("type").GetString()));
        Assert.Equal("s", output[0].GetProperty("encrypted_content").GetString());
        Assert.Equal("ab", output[1].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("output_text", output[1].GetProperty("content")[0].GetProperty("type").GetString());
        Assert.Equal(7, root.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("previous_response_id").ValueKind);
    }
}
