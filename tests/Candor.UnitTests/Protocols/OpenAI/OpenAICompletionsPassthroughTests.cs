using System.Buffers;
using System.Text;
using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using static Candor.UnitTests.Protocols.OpenAI.OpenAITestHelpers;

namespace Candor.UnitTests.Protocols.OpenAI;

/// <summary>The codecs of the legacy completions passthrough: the deferring decoder, the body written for a redacted request,
/// and the upstream decoder of <c>text_completion</c> answers.</summary>
public sealed class OpenAICompletionsPassthroughTests
{
    private static ChatRequest Deferring(string json)
    {
        Assert.True(OpenAICompletionsRequestDecoder.TryDecodeDeferring(Encoding.UTF8.GetBytes(json), out var request, out var error), error?.Message);
        return request;
    }

    [Theory]
    [InlineData("""{"model":"m","prompt":["a","b"]}""", "prompt")]
    [InlineData("""{"model":"m","prompt":"x","n":2}""", "n")]
    [InlineData("""{"model":"m","prompt":"x","best_of":3}""", "best_of")]
    [InlineData("""{"model":"m","prompt":"x","echo":true}""", "echo")]
    [InlineData("""{"model":"m","prompt":"x","logprobs":2}""", "logprobs")]
    [InlineData("""{"model":"m","prompt":"x","suffix":"}"}""", "suffix")]
    public void WhatOnlyTheEndpointServes_IsDeferred_AndStillRefusedWithoutDeferral(string json, string param)
    {
        var request = Deferring(json);
        Assert.Equal(param, request.ServerState?.Param);
        Assert.Equal(400, request.ServerState!.StatusCode);
        Assert.Contains("legacy completions", request.ServerState.Message, StringComparison.Ordinal);
        Assert.False(OpenAICompletionsRequestDecoder.TryDecode(Encoding.UTF8.GetBytes(json), out _, out var refused));
        Assert.Equal(param, refused.Param);
    }

    [Theory]
    [InlineData("""{"model":"m","prompt":[1,2,3]}""")]
    [InlineData("""{"model":"m","prompt":[[1,2],[3]]}""")]
    [InlineData("""{"model":"m","prompt":["a",7]}""")]
    [InlineData("""{"model":"m","prompt":"x","n":0}""")]
    public void TokenPromptsAndBadCounts_AreRefusedEvenWhenDeferring(string json)
    {
        Assert.False(OpenAICompletionsRequestDecoder.TryDecodeDeferring(Encoding.UTF8.GetBytes(json), out _, out var error));
        Assert.Equal(400, error.StatusCode);
    }

    [Fact]
    public void SeveralPrompts_AreOneUserMessageEach_AndEveryCompletionIsReserved()
    {
        var request = Deferring("""{"model":"m","prompt":["first","second","third"],"n":2,"best_of":3}""");
        Assert.Equal(["first", "second", "third"], request.Messages.Select(static m => Assert.IsType<TextPart>(Assert.Single(m.Parts)).Text));
        Assert.All(request.Messages, static m => Assert.Equal(ChatRole.User, m.Role));
        Assert.Equal(9, request.N);
        Assert.Null(Deferring("""{"model":"m","prompt":"x"}""").ServerState);
        Assert.Null(Deferring("""{"model":"m","prompt":"x"}""").N);
    }

    [Fact]
    public void RedactedBody_ReplacesTheModelAndTheScannedTexts_AndCopiesEveryOtherField()
    {
        const string Client = """{"model":"public","prompt":["mail a@b.example","call 555"],"suffix":"tail a@b.example","stop":["\n","a@b.example"],"user":"a@b.example","logit_bias":{"50256":-100},"n":2,"echo":true,"x_vendor":{"deep":[1,"two"]}}""";
        var request = Deferring(Client);
        request.Messages[0].Parts[0] = new TextPart("mail [EMAIL]");
        request.Stop[1] = "[EMAIL]";
        request.User = "[EMAIL]";
        request.Unmapped!["suffix"] = "tail [EMAIL]";

        var written = Write(output => OpenAICompletionsRequestWriter.Write(Encoding.UTF8.GetBytes(Client), "upstream-7b", request, output));
        AssertJsonEqual("""{"model":"upstream-7b","prompt":["mail [EMAIL]","call 555"],"suffix":"tail [EMAIL]","stop":["\n","[EMAIL]"],"user":"[EMAIL]","logit_bias":{"50256":-100},"n":2,"echo":true,"x_vendor":{"deep":[1,"two"]}}""", written);
        Assert.DoesNotContain("a@b.example", written, StringComparison.Ordinal);

        // Field order and shapes stay the client's: a string prompt and a string stop stay strings.
        var single = Deferring("""{"stop":"END","prompt":"hello a@b.example","model":"public"}""");
        single.Messages[0].Parts[0] = new TextPart("hello [EMAIL]");
        Assert.Equal("""{"stop":"END","prompt":"hello [EMAIL]","model":"upstream-7b"}""",
            Write(output => OpenAICompletionsRequestWriter.Write("""{"stop":"END","prompt":"hello a@b.example","model":"public"}"""u8, "upstream-7b", single, output)));
    }

    [Fact]
    public void UpstreamDecoder_ReadsTextCompletions_WholeAndStreamed()
    {
        var whole = new List<ChatEvent>();
        new OpenAIChatUpstreamDecoder(legacyCompletions: true).DecodeResponse("""
            {"id":"cmpl-1","object":"text_completion","created":5,"model":"qwen","choices":[
              {"text":"Hello","index":0,"logprobs":null,"finish_reason":"stop"},{"text":"Hi there","index":1,"logprobs":null,"finish_reason":"length"}],
             "usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}
            """u8, whole);
        Assert.Equal("Hello", Assert.Single(whole.OfType<TextDelta>(), static t => t.Choice == 0).Text);
        Assert.Equal("Hi there", Assert.Single(whole.OfType<TextDelta>(), static t => t.Choice == 1).Text);
        Assert.Equal([FinishReason.EndTurn, FinishReason.MaxTokens], whole.OfType<ChoiceFinished>().Select(static f => f.Reason));
        var usage = Assert.Single(whole.OfType<UsageReported>()).Usage;
        Assert.Equal((3, 4), (usage.InputTokens, usage.OutputTokens));
        Assert.Equal("qwen", Assert.IsType<ResponseStarted>(whole[0]).Model);

        const string Sse = """
            data: {"id":"cmpl-2","object":"text_completion","created":5,"model":"qwen","choices":[{"text":"One","index":0,"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"cmpl-2","object":"text_completion","created":5,"model":"qwen","choices":[{"text":" two","index":0,"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"cmpl-2","object":"text_completion","created":5,"model":"qwen","choices":[{"text":"","index":0,"logprobs":null,"finish_reason":"stop"}],"usage":null}

            data: {"id":"cmpl-2","object":"text_completion","created":5,"model":"qwen","choices":[],"usage":{"prompt_tokens":2,"completion_tokens":2,"total_tokens":4}}

            data: [DONE]


            """;
        var streamed = DecodeStreamAllSplits(static () => new OpenAIChatUpstreamDecoder(legacyCompletions: true), Sse.ReplaceLineEndings("\n"));
        Assert.Equal("One two", string.Concat(streamed.OfType<TextDelta>().Select(static t => t.Text)));
        Assert.Single(streamed.OfType<ChoiceFinished>());
        Assert.Equal(2, Assert.Single(streamed.OfType<UsageReported>()).Usage.OutputTokens);

        // The chat decoder reads no "text": a chat answer never carries one, and the legacy field means nothing there.
        var chat = DecodeStream(new OpenAIChatUpstreamDecoder(), Sse.ReplaceLineEndings("\n"));
        Assert.Empty(chat.OfType<TextDelta>());
    }
}
