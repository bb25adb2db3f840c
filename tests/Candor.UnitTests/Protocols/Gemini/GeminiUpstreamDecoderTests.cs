using System.Buffers;
using System.Text;
using Candor.Protocols.Canonical;
using Candor.Protocols.Gemini;
using Candor.Protocols.Sse;
using Microsoft.Extensions.Time.Testing;
using static Candor.UnitTests.Protocols.Gemini.GeminiTestJson;

namespace Candor.UnitTests.Protocols.Gemini;

public sealed class GeminiUpstreamDecoderTests
{
    private static readonly FakeTimeProvider Clock = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    private const string Stream =
        "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"**Considering\",\"thought\": true}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 8,\"totalTokenCount\": 8},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"r-1\"}\r\n\r\n" +
        "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"The h\u00e9llo\"}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 8,\"totalTokenCount\": 8},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"r-1\"}\r\n\r\n" +
        "data: {\"candidates\": [{\"content\": {\"parts\": [{\"functionCall\": {\"name\": \"get_weather\",\"args\": {\"city\": \"Paris\"}},\"thoughtSignature\": \"c2ln\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 8,\"candidatesTokenCount\": 12,\"totalTokenCount\": 50,\"thoughtsTokenCount\": 30},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"r-1\"}\r\n\r\n";

    private static List<ChatEvent> DecodeStream(byte[] bytes, int split)
    {
        var decoder = new GeminiUpstreamDecoder(Clock);
        var events = new List<ChatEvent>();
        using var parser = new SseParser();
        var carry = new List<byte>();
        var chunks = new[] { bytes[..split], bytes[split..] };
        for (int i = 0; i < chunks.Length; i++)
        {
            carry.AddRange(chunks[i]);
            var seq = new ReadOnlySequence<byte>(carry.ToArray());
            while (parser.TryParse(ref seq, isFinalBlock: i == chunks.Length - 1, out var ev))
            {
                Assert.True(decoder.DecodeStreamEvent(ev, events));
            }

            carry = [.. seq.ToArray()];
        }

        return events;
    }

    private static ChatResponse Accumulate(IEnumerable<ChatEvent> events)
    {
        var acc = new ChatResponseAccumulator();
        foreach (var e in events)
        {
            acc.Add(e);
        }

        return acc.Response;
    }

    [Fact]
    public void Stream_SplitAtEveryByte_DecodesTheSameEvents()
    {
        var bytes = Encoding.UTF8.GetBytes(Stream);
        string? reference = null;
        for (int split = 0; split <= bytes.Length; split++)
        {
            var events = DecodeStream(bytes, split);
            string shape = string.Join("|", events.Select(e => e.ToString()));
            reference ??= shape;
            Assert.Equal(reference, shape);
        }

        var all = DecodeStream(bytes, bytes.Length / 2);
        var started = Assert.IsType<ResponseStarted>(all[0]);
        Assert.Equal("r-1", started.Id);
        Assert.Equal("gemini-2.5-flash", started.Model);
        Assert.Equal(1_700_000_000, started.CreatedUnixSeconds);
        Assert.Single(all.OfType<ResponseStarted>());

        var response = Accumulate(all);
        var choice = Assert.Single(response.Choices);
        Assert.Equal(FinishReason.ToolCalls, choice.FinishReason);
        Assert.Equal("STOP", choice.RawFinishReason);
        Assert.Equal("**Considering", Assert.IsType<ThinkingPart>(choice.Parts[0]).Text);
        Assert.Equal("The h\u00e9llo", Assert.IsType<TextPart>(choice.Parts[1]).Text);
        var signature = Assert.IsType<ThinkingPart>(choice.Parts[2]);
        Assert.Equal("c2ln", signature.Signature);
        var call = Assert.IsType<ToolCallPart>(choice.Parts[3]);
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("call_r-1_0", call.Id);
        Equal("""{"city":"Paris"}""", call.ArgumentsJson);
        Assert.Equal(new Usage { InputTokens = 8, OutputTokens = 42, ReasoningTokens = 30, TotalTokens = 50 }, response.Usage);
    }

    [Fact]
    public void WholeResponse_DocumentedTextAnswer()
    {
        const string body = """
        {"candidates":[{"content":{"parts":[{"text":"AI learns patterns from data."}],"role":"model"},"finishReason":"STOP","avgLogprobs":-0.1}],
         "usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":6,"totalTokenCount":14,"promptTokensDetails":[{"modality":"TEXT","tokenCount":8}]},
         "modelVersion":"gemini-2.0-flash","responseId":"abc"}
        """;
        var events = new List<ChatEvent>();
        new GeminiUpstreamDecoder(Clock).DecodeResponse(Utf8(body), events);
        var r = Accumulate(events);
        Assert.Equal("abc", r.Id);
        Assert.Equal("AI learns patterns from data.", Assert.IsType<TextPart>(Assert.Single(Assert.Single(r.Choices).Parts)).Text);
        Assert.Equal(FinishReason.EndTurn, r.Choices[0].FinishReason);
        Assert.Equal(new Usage { InputTokens = 8, OutputTokens = 6, TotalTokens = 14 }, r.Usage);
    }

    [Fact]
    public void JsonArrayOfResponses_IsAccepted()
    {
        const string body = """
        [{"candidates":[{"content":{"parts":[{"text":"Hel"}],"role":"model"},"index":0}],"modelVersion":"m"},
         {"candidates":[{"content":{"parts":[{"text":"lo"}],"role":"model"},"finishReason":"MAX_TOKENS","index":0}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2,"totalTokenCount":5},"modelVersion":"m"}]
        """;
        var events = new List<ChatEvent>();
        new GeminiUpstreamDecoder(Clock).DecodeResponse(Utf8(body), events);
        var r = Accumulate(events);
        Assert.StartsWith("gemini-", r.Id, StringComparison.Ordinal);
        Assert.Equal("Hello", r.Choices[0].Parts.OfType<TextPart>().Single().Text);
        Assert.Equal(FinishReason.MaxTokens, r.Choices[0].FinishReason);
    }

    [Theory]
    [InlineData("SAFETY", FinishReason.ContentFilter)]
    [InlineData("RECITATION", FinishReason.ContentFilter)]
    [InlineData("BLOCKLIST", FinishReason.ContentFilter)]
    [InlineData("PROHIBITED_CONTENT", FinishReason.ContentFilter)]
    [InlineData("SPII", FinishReason.ContentFilter)]
    [InlineData("MALFORMED_FUNCTION_CALL", FinishReason.Other)]
    [InlineData("OTHER", FinishReason.Other)]
    public void FinishReasons_Map(string word, FinishReason expected)
    {
        var events = new List<ChatEvent>();
        new GeminiUpstreamDecoder(Clock).DecodeResponse(Utf8($$"""{"candidates":[{"finishReason":"{{word}}","index":0}]}"""), events);
        var finished = Assert.Single(events.OfType<ChoiceFinished>());
        Assert.Equal(expected, finished.Reason);
        Assert.Equal(word, finished.RawReason);
    }

    [Fact]
    public void BlockedPrompt_FinishesChoiceZeroAsContentFilter()
    {
        var events = new List<ChatEvent>();
        new GeminiUpstreamDecoder(Clock).DecodeResponse(Utf8("""{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":4,"totalTokenCount":4}}"""), events);
        var finished = Assert.Single(events.OfType<ChoiceFinished>());
        Assert.Equal((0, FinishReason.ContentFilter, "SAFETY"), (finished.Choice, finished.Reason, finished.RawReason));
        var usage = Assert.Single(events.OfType<UsageReported>()).Usage;
        Assert.Equal(4, usage.InputTokens);
        Assert.Null(usage.OutputTokens);
    }

    [Fact]
    public void Usage_AbsentStaysNull_ZeroStaysZero()
    {
        var events = new List<ChatEvent>();
        new GeminiUpstreamDecoder(Clock).DecodeResponse(Utf8("""{"usageMetadata":{}}"""), events);
        Assert.Equal(new Usage(), Assert.Single(events.OfType<UsageReported>()).Usage);

        events.Clear();
        new GeminiUpstreamDecoder(Clock).DecodeResponse(Utf8("""{"usageMetadata":{"promptTokenCount":0,"candidatesTokenCount":0,"cachedContentTokenCount":5,"toolUsePromptTokenCount":2,"totalTokenCount":7}}"""), events);
        Assert.Equal(new Usage { InputTokens = 2, OutputTokens = 0, CachedInputTokens = 5, TotalTokens = 7 }, Assert.Single(events.OfType<UsageReported>()).Usage);
    }

    [Fact]
    public void ErrorEvent_BecomesStreamFailedAndEndsTheStream()
    {
        var bytes = Utf8("data: {\"error\":{\"code\":429,\"message\":\"secret prompt echo\",\"status\":\"RESOURCE_EXHAUSTED\"}}\n\n");
        using var parser = new SseParser();
        var seq = new ReadOnlySequence<byte>(bytes);
        Assert.True(parser.TryParse(ref seq, true, out var ev));
        var events = new List<ChatEvent>();
        Assert.False(new GeminiUpstreamDecoder(Clock).DecodeStreamEvent(ev, events));
        var failed = Assert.IsType<StreamFailed>(Assert.Single(events));
        Assert.Equal(RelayErrorKind.RateLimited, failed.Error.Kind);
        Assert.DoesNotContain("secret", failed.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoCandidates_AreTwoChoices()
    {
        var events = new List<ChatEvent>();
        new GeminiUpstreamDecoder(Clock).DecodeResponse(Utf8("""
            {"candidates":[{"content":{"parts":[{"text":"a"}],"role":"model"},"finishReason":"STOP"},
                           {"content":{"parts":[{"text":"b"}],"role":"model"},"finishReason":"STOP","index":1}]}
            """), events);
        var r = Accumulate(events);
        Assert.Equal(["a", "b"], r.Choices.Select(c => ((TextPart)c.Parts[0]).Text));
    }
}
