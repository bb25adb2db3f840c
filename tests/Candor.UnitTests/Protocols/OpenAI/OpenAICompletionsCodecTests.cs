using System.Text;
using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using static Candor.UnitTests.Protocols.OpenAI.OpenAITestHelpers;

namespace Candor.UnitTests.Protocols.OpenAI;

public sealed class OpenAICompletionsCodecTests
{
    private static ChatRequest Decode(string json)
    {
        Assert.True(OpenAICompletionsRequestDecoder.TryDecode(Encoding.UTF8.GetBytes(json), out var request, out var error), error?.Message);
        return request;
    }

    private static RelayError Refused(string json)
    {
        Assert.False(OpenAICompletionsRequestDecoder.TryDecode(Encoding.UTF8.GetBytes(json), out _, out var error));
        Assert.Equal(400, error.StatusCode);
        return error;
    }

    [Fact]
    public void StringPrompt_BecomesOneUserMessage_WithTheSamplingParameters()
    {
        var r = Decode("""
            {"model":"m","prompt":"Once upon","max_tokens":40,"temperature":0.3,"top_p":0.9,"stop":["\n","END"],"presence_penalty":0.1,
             "frequency_penalty":0.2,"seed":7,"user":"u1","n":1,"best_of":1,"echo":false,"logprobs":null,"suffix":null,"logit_bias":{},
             "stream":true,"stream_options":{"include_usage":true},"some_vendor_field":3}
            """);

        Assert.Equal("m", r.Model);
        Assert.Equal(WireProtocol.OpenAI, r.SourceProtocol);
        var message = Assert.Single(r.Messages);
        Assert.Equal(ChatRole.User, message.Role);
        Assert.Equal("Once upon", Assert.IsType<TextPart>(Assert.Single(message.Parts)).Text);
        Assert.Equal(40, r.MaxOutputTokens);
        Assert.Equal(0.3, r.Temperature);
        Assert.Equal(0.9, r.TopP);
        Assert.Equal(["\n", "END"], r.Stop);
        Assert.Equal(0.1, r.PresencePenalty);
        Assert.Equal(0.2, r.FrequencyPenalty);
        Assert.Equal(7, r.Seed);
        Assert.Equal("u1", r.User);
        Assert.True(r.Stream);
        Assert.True(r.IncludeUsage);
        Assert.Null(r.Unmapped);
    }

    [Fact]
    public void ArrayOfOnePrompt_NoMaxTokens_TakesOpenAIsDefaultOf16()
    {
        var r = Decode("""{"model":"m","prompt":["Say this is a test"]}""");
        Assert.Equal("Say this is a test", Assert.IsType<TextPart>(Assert.Single(Assert.Single(r.Messages).Parts)).Text);
        Assert.Equal(OpenAICompletionsRequestDecoder.DefaultMaxTokens, r.MaxOutputTokens);
        Assert.False(r.Stream);
    }

    [Fact]
    public void NonEmptyLogitBias_IsKeptForOpenAIWireUpstreams()
    {
        var r = Decode("""{"model":"m","prompt":"x","logit_bias":{"50256":-100}}""");
        Assert.Equal(-100, r.Unmapped!["logit_bias"]!["50256"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("""{"model":"m","prompt":[1,2,3]}""", "prompt")]
    [InlineData("""{"model":"m","prompt":[[1,2],[3]]}""", "prompt")]
    [InlineData("""{"model":"m","prompt":["a","b"]}""", "prompt")]
    [InlineData("""{"model":"m","prompt":[]}""", "prompt")]
    [InlineData("""{"model":"m","prompt":5}""", "prompt")]
    [InlineData("""{"model":"m"}""", "prompt")]
    [InlineData("""{"prompt":"x"}""", "model")]
    [InlineData("""{"model":"m","prompt":"x","n":2}""", "n")]
    [InlineData("""{"model":"m","prompt":"x","best_of":3}""", "best_of")]
    [InlineData("""{"model":"m","prompt":"x","echo":true}""", "echo")]
    [InlineData("""{"model":"m","prompt":"x","logprobs":0}""", "logprobs")]
    [InlineData("""{"model":"m","prompt":"x","logprobs":5}""", "logprobs")]
    [InlineData("""{"model":"m","prompt":"x","suffix":"}"}""", "suffix")]
    [InlineData("""{"model":"m","prompt":"x","max_tokens":"many"}""", "max_tokens")]
    [InlineData("""{"model":"m","prompt":"x","temperature":1e400}""", "temperature")]
    [InlineData("""{"model":"m","prompt":"x","stream_options":{"include_usage":"yes"}}""", "stream_options.include_usage")]
    public void UnsupportedOrInvalid_IsA400NamingTheParameter(string json, string param) =>
        Assert.Equal(param, Refused(json).Param);

    [Fact]
    public void TokenArrayPrompt_SaysWhyInTheMessage() =>
        Assert.Contains("Token arrays", Refused("""{"model":"m","prompt":[1,2,3]}""").Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("not json")]
    [InlineData("[1]")]
    public void NotAnObject_IsA400(string body) => Refused(body);

    private static string Stream(OpenAICompletionsClientEncoder encoder, IEnumerable<ChatEvent> events) => Write(output =>
    {
        foreach (var ev in events)
        {
            encoder.WriteStreamEvent(ev, output);
        }

        encoder.WriteStreamEnd(output);
    });

    [Fact]
    public void Stream_WritesTextCompletionChunks_UsageChunk_AndDone()
    {
        var encoder = new OpenAICompletionsClientEncoder(new ChatRequest { Model = "public", Stream = true, IncludeUsage = true });
        var lines = DataLines(Stream(encoder,
        [
            new ResponseStarted("chatcmpl-9", "gpt-4o-mini", 1700000000),
            new ThinkingDelta(0, "hidden reasoning"),
            new TextDelta(0, "Hello"),
            new TextDelta(0, ""),
            new TextDelta(0, " world"),
            new ChoiceFinished(0, FinishReason.MaxTokens),
            new UsageReported(new Usage { InputTokens = 5, OutputTokens = 2 }),
        ]));

        Assert.Equal(5, lines.Count);
        const string head = "\"id\":\"chatcmpl-9\",\"object\":\"text_completion\",\"created\":1700000000,\"model\":\"gpt-4o-mini\"";
        AssertJsonEqual("{" + head + ""","choices":[{"text":"Hello","index":0,"logprobs":null,"finish_reason":null}],"usage":null}""", lines[0]);
        AssertJsonEqual("{" + head + ""","choices":[{"text":" world","index":0,"logprobs":null,"finish_reason":null}],"usage":null}""", lines[1]);
        AssertJsonEqual("{" + head + ""","choices":[{"text":"","index":0,"logprobs":null,"finish_reason":"length"}],"usage":null}""", lines[2]);
        using var usage = JsonDocument.Parse(lines[3]);
        Assert.Equal(0, usage.RootElement.GetProperty("choices").GetArrayLength());
        Assert.Equal(5, usage.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(2, usage.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(7, usage.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.Equal("[DONE]", lines[4]);
        Assert.DoesNotContain("hidden reasoning", string.Join("\n", lines), StringComparison.Ordinal);
    }

    [Fact]
    public void StreamWithoutIncludeUsage_HasNoUsageMember_AndEndsWithDone()
    {
        var encoder = new OpenAICompletionsClientEncoder(new ChatRequest { Model = "public", Stream = true });
        var lines = DataLines(Stream(encoder, [new TextDelta(0, "a"), new ChoiceFinished(0, FinishReason.ToolCalls), new UsageReported(new Usage { InputTokens = 1, OutputTokens = 1 })]));

        Assert.Equal(3, lines.Count);
        Assert.DoesNotContain("usage", lines[0], StringComparison.Ordinal);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.StartsWith("cmpl-", first.RootElement.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("public", first.RootElement.GetProperty("model").GetString());
        using var finish = JsonDocument.Parse(lines[1]);
        Assert.Equal("stop", finish.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal("[DONE]", lines[2]);
    }

    [Fact]
    public void StreamError_IsOpenAIsErrorEnvelope_WithoutDone()
    {
        var encoder = new OpenAICompletionsClientEncoder(new ChatRequest { Model = "public", Stream = true });
        string sse = Write(output => encoder.WriteStreamError(RelayError.BadRequest("broken"), output));
        using var doc = JsonDocument.Parse(Assert.Single(DataLines(sse)));
        Assert.Equal("broken", doc.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.DoesNotContain("[DONE]", sse, StringComparison.Ordinal);
    }

    [Fact]
    public void WholeResponse_IsOneTextCompletion_WithTextOnly()
    {
        var accumulator = new ChatResponseAccumulator();
        foreach (var ev in new ChatEvent[]
                 {
                     new ResponseStarted("chatcmpl-1", "claude-x", 1700000001),
                     new ThinkingDelta(0, "think"),
                     new TextDelta(0, "It is "),
                     new TextDelta(0, "a test."),
                     new ChoiceFinished(0, FinishReason.EndTurn),
                     new UsageReported(new Usage { InputTokens = 4, OutputTokens = 3 }),
                 })
        {
            accumulator.Add(ev);
        }

        var encoder = new OpenAICompletionsClientEncoder(new ChatRequest { Model = "public" });
        AssertJsonEqual("""
            {"id":"chatcmpl-1","object":"text_completion","created":1700000001,"model":"claude-x",
             "choices":[{"text":"It is a test.","index":0,"logprobs":null,"finish_reason":"stop"}],
             "usage":{"prompt_tokens":4,"completion_tokens":3,"total_tokens":7}}
            """, Write(output => encoder.WriteResponse(accumulator.Response, output)));
    }
}
