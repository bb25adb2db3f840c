using System.Text;
using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;

namespace Candor.UnitTests.Protocols.OpenAI;

/// <summary>The forward read of whole chat answers (<see cref="OpenAIChatResponseScan"/>) against the document reader it
/// stands in for: the same events for every answer, the same error for every malformed one, and a decline — output
/// untouched — for what only the document reader interprets.</summary>
public sealed class OpenAIChatResponseScanTests
{
    private const string Plain =
        """{"id":"chatcmpl-1","object":"chat.completion","created":1741570283,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21,"prompt_tokens_details":{"cached_tokens":3,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":2,"audio_tokens":0}},"service_tier":"default","system_fingerprint":"fp_1"}""";

    /// <summary>Answers of every kind, well formed or not; each must decode exactly as the document reader decodes it.</summary>
    public static TheoryData<string> Answers() =>
    [
        Plain,
        // Usage (and the root's model) after the choices; keys in any order.
        """{"choices":[{"finish_reason":"length","message":{"content":"a"},"index":0}],"usage":{"total_tokens":3,"completion_tokens":2,"prompt_tokens":1},"model":"m","id":"x"}""",
        // "model" keys nested in other objects, in content text and in tool arguments are not the served model.
        """{"id":"x","metadata":{"model":"evil","choices":[]},"choices":[{"index":0,"message":{"content":"{\"model\":\"evil\"}","annotations":[{"model":"evil"}]},"finish_reason":"stop"}],"model":"good"}""",
        """{"id":"x","model":"good","choices":[{"index":0,"message":{"content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":{"model":"evil"}}}]},"finish_reason":"tool_calls"}]}""",
        """{"id":"x","choices":[{"index":0,"message":{"content":"hi","extra":{"model":"evil","usage":{"prompt_tokens":99}}},"finish_reason":"stop"}]}""",
        // Escaped strings and escaped key names (the document reader matches unescaped names).
        """{"id":"x\u0031","\u006dodel":"m\u00e9","choices":[{"index":0,"message":{"content":"a\"b\\c\n\u00e9\ud83d\ude00"},"finish_reason":"st\u006fp"}]}""",
        // Numbers as floats, out of range or negative.
        """{"id":"x","created":1.5,"model":"m","choices":[{"index":1.0,"message":{"content":"a"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10.0,"completion_tokens":1e2,"total_tokens":3000000000,"prompt_tokens_details":{"cached_tokens":-1}}}""",
        """{"id":"x","created":99999999999999999999,"model":"m","choices":[{"index":-3,"message":{"content":"a"}}],"usage":{"prompt_tokens":"10","completion_tokens":null}}""",
        // Containers where numbers are expected: skipped whole, their members not taken for the object's own.
        """{"id":"x","created":{"model":"evil","id":"evil"},"model":"m","choices":[{"index":[{"finish_reason":"evil"}],"message":{"content":"a"},"finish_reason":"stop"}],"usage":{"prompt_tokens":{"completion_tokens":99},"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":{"cached_tokens":5}},"cached_tokens":[7]}}""",
        // Values of other types where strings are expected.
        """{"id":7,"model":["m"],"system_fingerprint":{"a":1},"choices":[{"index":"0","message":{"content":5,"refusal":"no"},"finish_reason":3}]}""",
        """{"id":null,"model":"","system_fingerprint":null,"choices":[{"message":"text","finish_reason":null}],"usage":null}""",
        """{"id":"x","model":"m","choices":[{"index":0,"message":{"content":"","refusal":"I can't"},"finish_reason":"content_filter"}],"usage":[1,2]}""",
        // Thinking: reasoning_content, reasoning, and an empty reasoning_content that hides reasoning.
        """{"id":"x","model":"m","choices":[{"index":0,"message":{"reasoning_content":"thought","content":"a"},"finish_reason":"stop"}]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"message":{"reasoning":"thought","content":"a"},"finish_reason":"stop"}]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"message":{"reasoning_content":"","reasoning":"hidden","content":"a"},"finish_reason":"stop"}]}""",
        // Several choices; no choice; empty objects.
        """{"id":"x","model":"m","choices":[{"index":0,"message":{"content":"a"},"finish_reason":"stop"},{"index":1,"message":{"content":"b"},"finish_reason":"length"},{}]}""",
        """{"id":"x","model":"m","choices":[]}""",
        """{"choices":[{}]}""",
        // Usage variants: DeepSeek's cache hits, Moonshot's top-level cached tokens, details that are not objects.
        """{"id":"x","model":"m","choices":[],"usage":{"prompt_tokens":5,"prompt_cache_hit_tokens":4,"cached_tokens":3,"prompt_tokens_details":null}}""",
        """{"id":"x","model":"m","choices":[],"usage":{"prompt_tokens":5,"cached_tokens":3,"prompt_tokens_details":{"audio_tokens":1},"completion_tokens_details":[1]}}""",
        """{"id":"x","model":"m","choices":[],"usage":{}}""",
        // Repeated keys: the document reader decides which one counts.
        """{"id":"x","model":"first","model":"second","choices":[]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"message":{"content":"a","content":"b"}}]}""",
        """{"id":"x","model":"m","choices":[],"usage":{"prompt_tokens":1,"prompt_tokens":2}}""",
        """{"id":"x","model":"m","choices":[],"usage":{"prompt_tokens_details":{"cached_tokens":1,"cached_tokens":2}}}""",
        """{"id":"x","model":"m","choices":[],"choices":[{"index":0,"message":{"content":"a"}}]}""",
        // Logprobs and tool calls go to the document reader.
        """{"id":"x","model":"m","choices":[{"index":0,"message":{"content":"a"},"logprobs":{"content":[{"token":"a","logprob":-0.1}]},"finish_reason":"stop"}]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"message":{"content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"stop"}]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"message":{"content":"a","tool_calls":null},"finish_reason":"stop"}]}""",
        // After the one JSON value nothing is read, as JsonDocument.ParseValue reads nothing after it.
        Plain + " trailing",
        Plain + "{",
        // Malformed answers: each must fail as it failed before.
        """{"id":"x","model":"m"}""",
        """{"id":"x","model":"m","choices":{}}""",
        """{"id":"x","model":"m","choices":[1]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"message":{"content":"a"}}]""",
        """{"id":"x","model":"m","choices":[],}""",
        """[{"id":"x"}]""",
        "\"text\"",
        "",
        "   ",
        """{"id":"x","model":"m","choices":[{"index":0,"message":{"content":"\ud800"},"finish_reason":"stop"}]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"message":{"content":"a"},"finish_reason":"\udc00"}]}""",
        """{"id":"x","model":"m","choices":[],"deep":""" + new string('[', 70) + new string(']', 70) + "}",
    ];

    [Theory]
    [MemberData(nameof(Answers))]
    public void Answer_DecodesAsTheDocumentReaderDecodesIt(string json) => AssertSame(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void InvalidUtf8_FailsAsTheDocumentReaderFails()
    {
        byte[] plain = Encoding.UTF8.GetBytes(Plain);
        int at = Plain.IndexOf("Hello", StringComparison.Ordinal);
        foreach (byte[] bad in new[] { new byte[] { 0xC3, 0x28 }, [0xFF], [0xED, 0xA0, 0x80] })
        {
            AssertSame([.. plain[..at], .. bad, .. plain[at..]]);
        }
    }

    [Fact]
    public void CommonAnswer_IsReadForward_WithItsEvents()
    {
        var events = new List<ChatEvent> { new TextDelta(9, "before") };
        Assert.True(OpenAIChatResponseScan.TryDecode(Encoding.UTF8.GetBytes(Plain), events));
        Assert.Equal(
            [
                new TextDelta(9, "before"),
                new ResponseStarted("chatcmpl-1", "gpt-4o-mini", 1741570283) { SystemFingerprint = "fp_1" },
                new TextDelta(0, "Hello"),
                new ChoiceFinished(0, FinishReason.EndTurn, "stop"),
                new UsageReported(new Usage { InputTokens = 9, OutputTokens = 12, TotalTokens = 21, CachedInputTokens = 3, ReasoningTokens = 2 }),
            ],
            events);
    }

    [Fact]
    public void UsageFirst_ModelLast_NestedModelsIgnored_EventsInTheDocumentOrder()
    {
        const string json = """{"usage":{"completion_tokens":2,"prompt_tokens":1},"choices":[{"finish_reason":"length","message":{"content":"{\"model\":\"evil\"}","x":{"model":"evil"}},"index":1}],"extra":{"model":"evil"},"model":"go\u006fd","id":"i"}""";
        var events = new List<ChatEvent>();
        Assert.True(OpenAIChatResponseScan.TryDecode(Encoding.UTF8.GetBytes(json), events));
        Assert.Equal(
            [
                new ResponseStarted("i", "good", 0),
                new TextDelta(1, "{\"model\":\"evil\"}"),
                new ChoiceFinished(1, FinishReason.MaxTokens, "length"),
                new UsageReported(new Usage { InputTokens = 1, OutputTokens = 2 }),
            ],
            events);
    }

    [Fact]
    public void ContainersWhereNumbersAreExpected_AreSkippedWhole_TheirMembersNotTaken()
    {
        const string json = """{"id":"x","created":{"system_fingerprint":"evil"},"model":"m","choices":[{"index":[1],"message":{"content":"a"},"finish_reason":"stop"}],"usage":{"prompt_tokens":{"total_tokens":99},"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":[{"cached_tokens":4}]}}}""";
        var events = new List<ChatEvent>();
        Assert.True(OpenAIChatResponseScan.TryDecode(Encoding.UTF8.GetBytes(json), events));
        Assert.Equal(
            [
                new ResponseStarted("x", "m", 0),
                new TextDelta(0, "a"),
                new ChoiceFinished(0, FinishReason.EndTurn, "stop"),
                new UsageReported(new Usage { OutputTokens = 2 }),
            ],
            events);
    }

    [Theory]
    [InlineData("""{"id":"x","model":"m","choices":[{"index":0,"message":{"content":"a"},"finish_reason":"stop"},{"index":1,"message":{"tool_calls":[{"id":"c"}]}}]}""")]
    [InlineData("""{"id":"x","model":"m","choices":[{"index":0,"message":{"content":"a"},"finish_reason":"stop"}],"model":"n"}""")]
    [InlineData("""{"id":"x","model":"m","choices":[{"index":0,"message":{"content":"a"},"finish_reason":"stop"},{"index":1,"logprobs":{}}]}""")]
    [InlineData("""{"id":"x","model":"m","choices":[{"index":0,"message":{"content":"a"},"finish_reason":"stop"},{"index":1,"message":{"content":"\ud800"}}]}""")]
    [InlineData("""{"id":"x","model":"m","choices":[{"index":0,"message":{"content":"a"},"finish_reason":"stop"}],"usage":{"total_tokens":1,"total_tokens":1}}""")]
    [InlineData("""{"id":"x","model":"m","choices":[{"index":0,"message":{"content":"a"},"finish_reason":"stop"}]""")]
    public void Declined_AfterChoicesWereRead_LeavesTheOutputAsItWas(string json)
    {
        var events = new List<ChatEvent> { new TextDelta(9, "before") };
        Assert.False(OpenAIChatResponseScan.TryDecode(Encoding.UTF8.GetBytes(json), events));
        Assert.Equal([new TextDelta(9, "before")], events);
    }

    [Fact]
    public void LegacyCompletionsAnswer_IsReadByTheDocumentReader_TextIncluded()
    {
        const string json = """{"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"hi","finish_reason":"stop"}]}""";
        var events = new List<ChatEvent>();
        new OpenAIChatUpstreamDecoder(legacyCompletions: true).DecodeResponse(Encoding.UTF8.GetBytes(json), events);
        Assert.Contains(new TextDelta(0, "hi"), events);
    }

    /// <summary>The decoder (forward read first) and the document reader alone give equal events, or fail alike.</summary>
    private static void AssertSame(byte[] json)
    {
        var (expected, expectedError) = Run(events =>
        {
            try
            {
                new OpenAIChatUpstreamDecoder().DecodeResponseDocument(json, events);
            }
            catch (InvalidOperationException e)
            {
                // DecodeResponse wraps these (UpstreamText.Invalid) around either reader.
                throw new JsonException(e.Message, e);
            }
        });
        var (actual, actualError) = Run(events => new OpenAIChatUpstreamDecoder().DecodeResponse(json, events));
        Assert.Equal(expectedError is null, actualError is null);
        if (expectedError is null)
        {
            Assert.Equal(expected.Select(Text), actual.Select(Text));
        }
        else
        {
            Assert.IsAssignableFrom<JsonException>(expectedError);
            Assert.IsAssignableFrom<JsonException>(actualError);
        }
    }

    /// <summary>An event as text: a logprobs event by its JSON (its element belongs to one document).</summary>
    private static string Text(ChatEvent ev) => ev is LogprobsDelta lp ? $"LogprobsDelta {lp.Choice} {lp.Content.GetRawText()}" : ev.ToString();

    private static (List<ChatEvent> Events, Exception? Error) Run(Action<List<ChatEvent>> decode)
    {
        var events = new List<ChatEvent>();
        try
        {
            decode(events);
            return (events, null);
        }
        catch (JsonException e)
        {
            return (events, e);
        }
    }
}
