using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Candor.Protocols.Anthropic;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.Protocols.Gemini;
using Candor.Protocols.OpenAI;
using Candor.Protocols.Sse;

namespace Candor.UnitTests.Protocols.Codecs;

/// <summary>Multi-turn loops across wires: what one turn's answer gives a client must, sent back by the client as its
/// SDK keeps it, reach the upstream as that upstream requires it (issue 14 items 5, 6, 7).</summary>
public sealed class CrossWireReasoningTests
{
    private const string Signature = "EqQBCkYIARgCKkB+/sig==";

    // An Anthropic stream with thinking (its signature last, as Anthropic sends it) and a tool call.
    private const string AnthropicThinkingToolStream =
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":20,\"output_tokens\":1}}}\n\n" +
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n\n" +
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"I should look \"}}\n\n" +
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"up the weather.\"}}\n\n" +
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"" + Signature + "\"}}\n\n" +
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":\"get_weather\",\"input\":{}}}\n\n" +
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \\\"Paris\\\"}\"}}\n\n" +
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n" +
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":30}}\n\n" +
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

    // A tool call without arguments: input {} and one empty partial_json, as Anthropic streams it.
    private const string AnthropicNoArgumentsStream =
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_2\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":20,\"output_tokens\":1}}}\n\n" +
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_02\",\"name\":\"get_time\",\"input\":{}}}\n\n" +
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}\n\n" +
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":9}}\n\n" +
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

    // Gemini 3: a thought summary, then a function call carrying the signature Gemini wants back with it.
    private const string GeminiThoughtCallStream =
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Weather needs a tool.\",\"thought\":true}],\"role\":\"model\"},\"index\":0}],\"modelVersion\":\"gemini-3-pro-preview\",\"responseId\":\"r-3\"}\r\n\r\n" +
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Paris\"}},\"thoughtSignature\":\"Q2lS+/Z2VtaW5pLXNpZw==\"}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":8,\"candidatesTokenCount\":5,\"totalTokenCount\":13},\"modelVersion\":\"gemini-3-pro-preview\",\"responseId\":\"r-3\"}\r\n\r\n";

    [Fact]
    public void OpenAIClientAnthropicUpstream_StreamedThinkingToolLoop_SecondTurnStartsWithTheSignedThinkingBlock()
    {
        var client = new ChatRequest { Model = "m", Stream = true, ReasoningEffort = "high" };
        var chunks = EncodeOpenAIStream(client, Decode(new AnthropicUpstreamDecoder(), AnthropicThinkingToolStream));

        // Kept as the openai SDK's stream accumulator keeps it: an unknown delta field holds its last value only.
        var message = AccumulateOpenAI(chunks);
        Assert.Equal("up the weather.", (string?)message["reasoning_content"]);
        var turn2 = OpenAISecondTurn(message, ((string?)message["tool_calls"]![0]!["id"])!, "sunny");
        var upstream = JsonNode.Parse(EncodeAnthropic(DecodeOpenAI(turn2)))!;
        var assistant = upstream["messages"]![1]!["content"]!.AsArray();
        Assert.Equal("thinking", (string?)assistant[0]!["type"]);
        Assert.Equal("I should look up the weather.", (string?)assistant[0]!["thinking"]);
        Assert.Equal(Signature, (string?)assistant[0]!["signature"]);
        Assert.Equal("tool_use", (string?)assistant[1]!["type"]);
        Assert.Equal("toolu_01", (string?)assistant[1]!["id"]);
        Assert.Equal("toolu_01", (string?)upstream["messages"]![2]!["content"]![0]!["tool_use_id"]);
    }

    [Fact]
    public void OpenAIClientAnthropicUpstream_WholeAnswer_CarriesTheSignedBlocksBack()
    {
        var acc = new ChatResponseAccumulator();
        foreach (var ev in Decode(new AnthropicUpstreamDecoder(), AnthropicThinkingToolStream))
        {
            acc.Add(ev);
        }

        var acc2 = acc.Response;
        acc2.Choices[0].Parts.Insert(1, new RedactedThinkingPart("cmVkYWN0ZWQ="));
        var client = new ChatRequest { Model = "m", ReasoningEffort = "medium" };
        var whole = JsonNode.Parse(Write(o => new OpenAIChatClientEncoder(client).WriteResponse(acc2, o)))!;
        var message = whole["choices"]![0]!["message"]!.AsObject();
        Assert.NotNull(message["reasoning_signature"]);
        var turn2 = OpenAISecondTurn(message, ((string?)message["tool_calls"]![0]!["id"])!, "sunny");
        var assistant = JsonNode.Parse(EncodeAnthropic(DecodeOpenAI(turn2)))!["messages"]![1]!["content"]!.AsArray();
        Assert.Equal(["thinking", "redacted_thinking", "tool_use"], assistant.Select(static b => (string?)b!["type"]));
        Assert.Equal(Signature, (string?)assistant[0]!["signature"]);
        Assert.Equal("cmVkYWN0ZWQ=", (string?)assistant[1]!["data"]);
    }

    [Fact]
    public void OpenAIClient_ThatAskedForNoReasoning_GetsNoCarrierField()
    {
        var chunks = EncodeOpenAIStream(new ChatRequest { Model = "m", Stream = true }, Decode(new AnthropicUpstreamDecoder(), AnthropicThinkingToolStream));
        Assert.DoesNotContain(chunks, static c => c.Contains("reasoning_signature", StringComparison.Ordinal));
    }

    [Fact]
    public void AnthropicToolCallWithoutArguments_IsAnEmptyObjectOnTheOpenAIWire_StreamedAndWhole()
    {
        var events = Decode(new AnthropicUpstreamDecoder(), AnthropicNoArgumentsStream);
        var message = AccumulateOpenAI(EncodeOpenAIStream(new ChatRequest { Model = "m", Stream = true }, events));
        Assert.Equal("{}", (string?)message["tool_calls"]![0]!["function"]!["arguments"]);

        var acc = new ChatResponseAccumulator();
        events.ForEach(acc.Add);
        var whole = JsonNode.Parse(Write(o => new OpenAIChatClientEncoder(new ChatRequest { Model = "m" }).WriteResponse(acc.Response, o)))!;
        Assert.Equal("{}", (string?)whole["choices"]![0]!["message"]!["tool_calls"]![0]!["function"]!["arguments"]);
    }

    [Fact]
    public void OpenAIClientGeminiUpstream_FunctionCallSignature_ReturnsOnTheReplayedCall()
    {
        // No reasoning asked for: Gemini 3 reasons anyway and needs the call's signature back.
        var chunks = EncodeOpenAIStream(new ChatRequest { Model = "m", Stream = true }, Decode(new GeminiUpstreamDecoder(), GeminiThoughtCallStream));
        var message = AccumulateOpenAI(chunks);
        string id = ((string?)message["tool_calls"]![0]!["id"])!;
        var upstream = JsonNode.Parse(EncodeGemini(DecodeOpenAI(OpenAISecondTurn(message, id, "sunny"))))!;
        var model = upstream["contents"]![1]!["parts"]!.AsArray();
        var call = model.Single(static p => p!["functionCall"] is not null)!;
        Assert.Equal("Q2lS+/Z2VtaW5pLXNpZw==", (string?)call["thoughtSignature"]);
        Assert.Equal("call_r-3_0", (string?)call["functionCall"]!["id"]);
        Assert.Equal("call_r-3_0", (string?)upstream["contents"]![2]!["parts"]![0]!["functionResponse"]!["id"]);
    }

    [Fact]
    public void AnthropicClientGeminiUpstream_FunctionCallSignature_ReturnsOnTheReplayedCall()
    {
        var client = new ChatRequest { Model = "m", Stream = true };
        var encoder = new AnthropicClientEncoder(client);
        string sse = Write(o =>
        {
            foreach (var ev in Decode(new GeminiUpstreamDecoder(), GeminiThoughtCallStream))
            {
                encoder.WriteStreamEvent(ev, o);
            }

            encoder.WriteStreamEnd(o);
        });

        // The client keeps the blocks as the stream built them and sends them back (Claude Code does).
        var content = AccumulateAnthropic(sse);
        var turn2 = new JsonObject
        {
            ["model"] = "m",
            ["max_tokens"] = 100,
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "user", ["content"] = "Weather in Paris?" },
                new JsonObject { ["role"] = "assistant", ["content"] = content },
                new JsonObject
                {
                    ["role"] = "user",
                    ["content"] = new JsonArray(new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = (string?)content.Last()!["id"], ["content"] = "sunny" }),
                }),
        };
        Assert.True(AnthropicRequestDecoder.TryDecode(Encoding.UTF8.GetBytes(turn2.ToJsonString()), out var request, out var error), error?.Message);
        var upstream = JsonNode.Parse(EncodeGemini(request))!;
        var call = upstream["contents"]![1]!["parts"]!.AsArray().Single(static p => p!["functionCall"] is not null)!;
        Assert.Equal("Q2lS+/Z2VtaW5pLXNpZw==", (string?)call["thoughtSignature"]);
    }

    [Fact]
    public void SignatureCarriedInACallId_SurvivesAnySplitOfTheStream()
    {
        var bytes = Encoding.UTF8.GetBytes(GeminiThoughtCallStream);
        string? expected = null;
        for (int split = 0; split <= bytes.Length; split += 7)
        {
            var events = Decode(new GeminiUpstreamDecoder(), [bytes[..split], bytes[split..]]);
            string id = ((string?)AccumulateOpenAI(EncodeOpenAIStream(new ChatRequest { Model = "m", Stream = true }, events))["tool_calls"]![0]!["id"])!;
            expected ??= id;
            Assert.Equal(expected, id);
        }

        Assert.StartsWith("call_r-3_0", expected, StringComparison.Ordinal);
    }

    internal static List<ChatEvent> Decode(IChatUpstreamDecoder decoder, string sse) => Decode(decoder, [Encoding.UTF8.GetBytes(sse)]);

    private static List<ChatEvent> Decode(IChatUpstreamDecoder decoder, byte[][] pieces)
    {
        var events = new List<ChatEvent>();
        using var parser = new SseParser();
        byte[] leftover = [];
        for (int i = 0; i < pieces.Length; i++)
        {
            var buffer = new ReadOnlySequence<byte>([.. leftover, .. pieces[i]]);
            while (parser.TryParse(ref buffer, i == pieces.Length - 1, out var ev))
            {
                if (!decoder.DecodeStreamEvent(ev, events))
                {
                    return events;
                }
            }

            leftover = buffer.ToArray();
        }

        return events;
    }

    private static List<string> EncodeOpenAIStream(ChatRequest client, List<ChatEvent> events)
    {
        var encoder = new OpenAIChatClientEncoder(client);
        string sse = Write(o =>
        {
            foreach (var ev in events)
            {
                encoder.WriteStreamEvent(ev, o);
            }

            encoder.WriteStreamEnd(o);
        });
        return [.. Events(sse).Select(static e => e.Data).Where(static d => d != "[DONE]")];
    }

    /// <summary>The assistant message as the openai Node SDK's ChatCompletionStream builds it: content appended, tool
    /// calls by index with arguments appended, and every other delta field assigned (its last value wins).</summary>
    private static JsonObject AccumulateOpenAI(List<string> chunks)
    {
        var message = new JsonObject { ["role"] = "assistant" };
        var calls = new SortedDictionary<int, JsonObject>();
        foreach (var chunk in chunks)
        {
            var delta = JsonNode.Parse(chunk)!["choices"]![0]!["delta"]!.AsObject();
            foreach (var (name, value) in delta)
            {
                switch (name)
                {
                    case "role":
                        break;
                    case "content":
                        message["content"] = (string?)message["content"] + (string?)value;
                        break;
                    case "tool_calls":
                        foreach (var call in value!.AsArray())
                        {
                            int index = (int)call!["index"]!;
                            if (!calls.TryGetValue(index, out var c))
                            {
                                calls[index] = c = new JsonObject { ["id"] = (string?)call["id"], ["type"] = "function", ["function"] = new JsonObject { ["name"] = (string?)call["function"]!["name"], ["arguments"] = "" } };
                            }

                            c["function"]!["arguments"] = (string?)c["function"]!["arguments"] + (string?)call["function"]!["arguments"];
                        }

                        break;
                    default:
                        message[name] = value?.DeepClone();
                        break;
                }
            }
        }

        if (calls.Count > 0)
        {
            message["tool_calls"] = new JsonArray([.. calls.Values]);
        }

        return message;
    }

    private static string OpenAISecondTurn(JsonObject assistant, string callId, string result)
    {
        var body = new JsonObject
        {
            ["model"] = "m",
            ["reasoning_effort"] = "high",
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "user", ["content"] = "Weather in Paris?" },
                assistant.DeepClone(),
                new JsonObject { ["role"] = "tool", ["tool_call_id"] = callId, ["content"] = result }),
        };
        return body.ToJsonString();
    }

    /// <summary>The content blocks as an Anthropic SDK's stream accumulator builds them.</summary>
    private static JsonArray AccumulateAnthropic(string sse)
    {
        var blocks = new JsonArray();
        var json = new Dictionary<int, string>();
        foreach (var e in Events(sse))
        {
            var data = JsonNode.Parse(e.Data)!;
            switch (e.Type)
            {
                case "content_block_start":
                    blocks.Add(data["content_block"]!.DeepClone());
                    break;
                case "content_block_delta":
                    int index = (int)data["index"]!;
                    var block = blocks[index]!;
                    var delta = data["delta"]!;
                    switch ((string?)delta["type"])
                    {
                        case "thinking_delta":
                            block["thinking"] = (string?)block["thinking"] + (string?)delta["thinking"];
                            break;
                        case "signature_delta":
                            block["signature"] = (string?)delta["signature"];
                            break;
                        case "text_delta":
                            block["text"] = (string?)block["text"] + (string?)delta["text"];
                            break;
                        case "input_json_delta":
                            json[index] = json.GetValueOrDefault(index, "") + (string?)delta["partial_json"];
                            break;
                    }

                    break;
            }
        }

        foreach (var (index, text) in json)
        {
            blocks[index]!["input"] = JsonNode.Parse(text);
        }

        return blocks;
    }

    private static ChatRequest DecodeOpenAI(string json)
    {
        Assert.True(OpenAIChatRequestDecoder.TryDecode(Encoding.UTF8.GetBytes(json), out var request, out var error), error?.Message);
        return request;
    }

    private static string EncodeAnthropic(ChatRequest request)
    {
        Assert.Null(AnthropicRequestEncoder.CheckSupported(request));
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, AnthropicRequestEncoder.WriterOptions))
        {
            AnthropicRequestEncoder.Write(request, "claude-sonnet-4-5", w);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string EncodeGemini(ChatRequest request)
    {
        Assert.Null(GeminiRequestEncoder.CheckSupported(request));
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            GeminiRequestEncoder.Write(request, w);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static List<(string? Type, string Data)> Events(string sse)
    {
        var list = new List<(string?, string)>();
        using var parser = new SseParser();
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(sse));
        while (parser.TryParse(ref buffer, true, out var ev))
        {
            list.Add((ev.EventType, Encoding.UTF8.GetString(ev.Data.Span)));
        }

        return list;
    }

    private static string Write(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
