using System.Buffers;
using System.Text;
using System.Text.Json;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using Candor.Protocols.Sse;
using static Candor.UnitTests.Protocols.OpenAI.OpenAITestHelpers;

namespace Candor.UnitTests.Protocols.OpenAI;

/// <summary>The forward read of stream chunks (<see cref="OpenAIChatResponseScan.TryDecodeChunk"/>) against the document
/// reader it stands in for (<see cref="OpenAIChatUpstreamDecoder.DecodeStreamEventDocument"/>): for every chunk, in every
/// state of a stream (its first chunk, after Azure's filter chunk, after text, after tool calls), the same events, the same
/// end of the stream, the same error, and the same state for the chunks after it; and a decline — output and start left
/// as they were — for what only the document reader interprets.</summary>
public sealed class OpenAIChatChunkScanTests
{
    // OpenAI's chunks as it sends them today (include_usage on, so every chunk has "usage":null until the last).
    private const string Role =
        """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-mini","service_tier":"default","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"abc"}""";

    private const string Content =
        """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-mini","service_tier":"default","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"x"}""";

    private const string Finish =
        """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-mini","service_tier":"default","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}""";

    private const string UsageChunk =
        """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-mini","service_tier":"default","system_fingerprint":"fp_1","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21,"prompt_tokens_details":{"cached_tokens":3,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":2,"audio_tokens":0}}}""";

    private const string AzureFilter =
        """{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}""";

    private const string ToolCalls =
        """{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"f","arguments":""}}]},"finish_reason":null},{"index":1,"delta":{"tool_calls":[{"index":0,"id":"call_b","type":"function","function":{"name":"g","arguments":"{}"}}]},"finish_reason":null}]}""";

    // The chunks after the one under test: a later head (not the served model), text, a finish after possible tool calls.
    private const string LaterText = """{"id":"later","object":"chat.completion.chunk","created":2,"model":"later-model","choices":[{"index":0,"delta":{"content":"after"},"finish_reason":null}]}""";
    private const string LaterFinish = """{"id":"later","choices":[{"index":0,"delta":{},"finish_reason":"stop"},{"index":1,"delta":{},"finish_reason":"stop"}]}""";

    /// <summary>What the stream held before the chunk under test.</summary>
    public enum Before
    {
        Nothing,
        AzureFilter,
        Text,
        ToolCalls,
    }

    /// <summary>Chunks of every kind, well formed or not; each must decode exactly as the document reader decodes it.</summary>
    public static readonly string[] Chunks =
    [
        Role,
        Content,
        Finish,
        UsageChunk,
        AzureFilter,
        ToolCalls,
        // Compatible vendors' shapes: no usage member, a role chunk with content null, DeepSeek's thinking and cache hits,
        // vLLM's reasoning, Moonshot's usage inside the choice, Ollama's bare chunks.
        """{"id":"d1","object":"chat.completion.chunk","created":5,"model":"deepseek-reasoner","choices":[{"index":0,"delta":{"role":"assistant","content":null,"reasoning_content":"Hmm"},"logprobs":null,"finish_reason":null}]}""",
        """{"id":"d1","object":"chat.completion.chunk","created":5,"model":"deepseek-reasoner","choices":[{"index":0,"delta":{"content":"42","reasoning_content":null},"logprobs":null,"finish_reason":null}]}""",
        """{"id":"d1","object":"chat.completion.chunk","created":5,"model":"deepseek-reasoner","choices":[{"index":0,"delta":{"content":""},"logprobs":null,"finish_reason":"length"}],"usage":{"prompt_tokens":10,"completion_tokens":20,"total_tokens":30,"prompt_cache_hit_tokens":4,"prompt_cache_miss_tokens":6,"completion_tokens_details":{"reasoning_tokens":15}}}""",
        """{"id":"v","object":"chat.completion.chunk","created":1,"model":"qwen","choices":[{"index":0,"delta":{"reasoning":"think","content":null},"logprobs":null,"finish_reason":null}]}""",
        """{"id":"v","model":"m","choices":[{"index":0,"delta":{"reasoning_content":"","reasoning":"hidden","content":"a"}}]}""",
        """{"id":"k1","object":"chat.completion.chunk","created":7,"model":"kimi-k2","choices":[{"index":0,"delta":{},"finish_reason":"stop","usage":{"prompt_tokens":19,"completion_tokens":13,"total_tokens":32,"cached_tokens":8}}]}""",
        """{"id":"k1","model":"kimi-k2","choices":[{"index":0,"delta":{},"finish_reason":"stop","usage":{"prompt_tokens":1}}],"usage":{"prompt_tokens":2}}""",
        """{"id":"k1","model":"kimi-k2","choices":[{"index":0,"delta":{},"usage":null},{"index":1,"usage":[1]}]}""",
        """{"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"llama3","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}""",
        // Finish reasons: each word, a vendor's own, an empty one.
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"length"}]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"content_filter"}]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"sensitive"}]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{},"finish_reason":""}]}""",
        // Refusal and text in one delta: both are text.
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"a","refusal":"I can't"}}]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{"refusal":"I can't"},"finish_reason":"content_filter"}]}""",
        // Keys in any order: usage and choices before the head, the model last.
        """{"usage":{"total_tokens":3,"completion_tokens":2,"prompt_tokens":1},"choices":[{"finish_reason":"stop","delta":{"content":"a"},"index":0}],"created":3,"model":"m","id":"x"}""",
        """{"choices":[{"delta":{"content":"a"},"index":1}],"system_fingerprint":"fp","id":"x","model":"last"}""",
        // "model" keys nested in other objects and in content text are not the served model.
        """{"id":"x","metadata":{"model":"evil","id":"evil","choices":[]},"choices":[{"index":0,"delta":{"content":"{\"model\":\"evil\"}","extra":{"model":"evil","usage":{"prompt_tokens":99}}},"finish_reason":null,"x":{"finish_reason":"stop"}}],"model":"good"}""",
        """{"id":"x","choices":[{"index":0,"delta":{"content":"a"}}],"usage":null,"obfuscation":{"model":"evil"}}""",
        // Escaped strings and escaped key names (the document reader matches unescaped names).
        """{"id":"x\u0031","\u006dodel":"m\u00e9","choices":[{"index":0,"\u0064elta":{"content":"a\"b\\c\n\u00e9\ud83d\ude00"},"finish_reason":"st\u006fp"}]}""",
        """{"id":"x","model":"m","choices":[{"ind\u0065x":2,"delta":{"c\u006fntent":"\u0041"},"finish_reason":"\u006cength"}]}""",
        "{\"id\":\"x\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"wörld 敏捷 😀\"},\"finish_reason\":null}]}",
        // Numbers as floats, out of range or negative; strings and containers where numbers are expected.
        """{"id":"x","created":1.5,"model":"m","choices":[{"index":1.0,"delta":{"content":"a"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10.0,"completion_tokens":1e2,"total_tokens":3000000000,"prompt_tokens_details":{"cached_tokens":-1}}}""",
        """{"id":"x","created":99999999999999999999,"model":"m","choices":[{"index":-3,"delta":{"content":"a"}},{"index":3000000000,"delta":{"content":"b"}}],"usage":{"prompt_tokens":"10","completion_tokens":null}}""",
        """{"id":"x","created":{"model":"evil","id":"evil"},"model":"m","choices":[{"index":[{"finish_reason":"evil"}],"delta":{"content":"a"},"finish_reason":"stop"}],"usage":{"prompt_tokens":{"completion_tokens":99},"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":{"cached_tokens":5}},"cached_tokens":[7]}}""",
        """{"id":"x","created":-7,"model":"m","choices":[{"index":"1","delta":{"content":"a"}}]}""",
        // Values of other types where strings or objects are expected.
        """{"id":7,"model":["m"],"system_fingerprint":{"a":1},"choices":[{"index":0,"delta":{"content":5,"refusal":true,"reasoning_content":{}},"finish_reason":3}]}""",
        """{"id":null,"model":"","system_fingerprint":null,"choices":[{"delta":"text","finish_reason":null}],"usage":null}""",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":null}],"usage":[1,2]}""",
        """{"id":"x","model":"m","choices":null}""",
        """{"id":"x","model":"m","choices":{"index":0,"delta":{"content":"evil"}}}""",
        """{"id":"x","model":"m","choices":"none","usage":"none"}""",
        // Several choices, empty choices, empty objects, no choices member.
        """{"id":"x","model":"m","choices":[{"index":1,"delta":{"content":"B"},"finish_reason":null},{"index":0,"delta":{"content":"A"},"finish_reason":"stop"},{}]}""",
        """{"id":"x","model":"m","choices":[]}""",
        """{"id":"x","model":"m"}""",
        """{"choices":[{}]}""",
        """{"choices":[]}""",
        """{}""",
        """{"id":"","choices":[],"usage":{}}""",
        """{"id":"","choices":[{"index":0,"delta":{}}]}""",
        """{"id":"","choices":[],"usage":null}""",
        // Legacy completions' text is not read by a chat decoder.
        """{"id":"x","model":"m","choices":[{"index":0,"text":"legacy","finish_reason":null}]}""",
        // Errors: null is no error; anything else ends the stream.
        """{"error":null,"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"a"}}]}""",
        """{"error":{"message":"user secret echoed","type":"server_error","param":null,"code":"server_error"}}""",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"a"}}],"error":{"type":"rate_limit_exceeded","code":429}}""",
        """{"id":"x","choices":[],"error":"overloaded"}""",
        // Repeated keys: the document reader decides which one counts.
        """{"id":"x","model":"first","model":"second","choices":[]}""",
        """{"id":"x","id":"y","model":"m","choices":[]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"a","content":"b"}}]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"index":1,"delta":{"content":"a"}}]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"a"},"delta":{"content":"b"}}]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop","finish_reason":"length"}]}""",
        """{"id":"x","model":"m","choices":[],"choices":[{"index":0,"delta":{"content":"a"}}]}""",
        """{"id":"x","model":"m","choices":[],"usage":{"prompt_tokens":1,"prompt_tokens":2}}""",
        """{"id":"x","model":"m","choices":[],"usage":{"prompt_tokens":1},"usage":{"prompt_tokens":2}}""",
        """{"id":"x","model":"m","choices":[],"error":null,"error":{"type":"server_error"}}""",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{"role":"assistant","role":"user","content":"a"}}],"object":"a","object":"b"}""",
        // Tool calls and logprobs go to the document reader.
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\""}}]},"finish_reason":null}]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"a","tool_calls":null},"finish_reason":"stop"}]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"a","tool_calls":[]},"finish_reason":"stop"}]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":{"content":[{"token":"Hi","logprob":-0.1,"bytes":[72,105],"top_logprobs":[]}],"refusal":null},"finish_reason":null}]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":{"content":[]},"finish_reason":null}]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":{},"finish_reason":null}]}""",
        // After the one JSON value only white space may follow.
        Content + " \t\r\n",
        Content + " trailing",
        Content + "{}",
        Content + "}",
        Content + ",",
        "  \n" + Content,
        // Malformed chunks: each must fail as it failed before.
        "{not json",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"a"}}]""",
        """{"id":"x","model":"m","choices":[],}""",
        """{"id":"x","model":"m","choices":[] /* c */}""",
        """[{"id":"x"}]""",
        "\"text\"",
        "42",
        "null",
        """{"id":"x","model":"m","choices":[1]}""",
        """{"id":"x","model":"m","choices":[null]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"a"}},"b"]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"\ud800"},"finish_reason":null}]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"\udc00"}]}""",
        """{"id":"x","model":"m","choices":[{"index":0,"delta":{"reasoning":"\ud800","content":"a"}}]}""",
        // A lone surrogate in the head: an error for the first chunk only (later heads are not read).
        """{"id":"x","model":"m\ud800","choices":[{"index":0,"delta":{"content":"a"}}]}""",
        """{"id":"\udfff","choices":[]}""",
        """{"id":"x","system_fingerprint":"\ud800","choices":[{"index":0,"delta":{"content":"a"}}]}""",
        """{"id":"x","model":"m","choices":[],"deep":""" + new string('[', 70) + new string(']', 70) + "}",
        "\uFEFF" + Content,
    ];

    // Every chunk in one test per state (rather than a row per chunk): the test runner merges rows whose shown names, cut
    // short, are alike, and every chunk must run.
    [Theory]
    [InlineData(Before.Nothing)]
    [InlineData(Before.AzureFilter)]
    [InlineData(Before.Text)]
    [InlineData(Before.ToolCalls)]
    public void EveryChunk_DecodesAsTheDocumentReaderDecodesIt(Before before)
    {
        foreach (string chunk in Chunks)
        {
            AssertSame(Encoding.UTF8.GetBytes(chunk), before, eventType: null);
        }
    }

    [Theory]
    [InlineData(Content)]
    [InlineData(UsageChunk)]
    [InlineData("""{"id":"x","model":"m","choices":[]""")]
    [InlineData("Internal server error")]
    public void ErrorEventType_DecodesAsTheDocumentReaderDecodesIt(string chunk)
    {
        foreach (var before in Enum.GetValues<Before>())
        {
            AssertSame(Encoding.UTF8.GetBytes(chunk), before, eventType: "error");
        }
    }

    [Fact]
    public void InvalidUtf8_FailsAsTheDocumentReaderFails()
    {
        byte[] content = Encoding.UTF8.GetBytes(Content);
        int text = Content.IndexOf("Hello", StringComparison.Ordinal);
        int model = Content.IndexOf("gpt-4o-mini", StringComparison.Ordinal);
        foreach (byte[] bad in new[] { new byte[] { 0xC3, 0x28 }, [0xFF], [0xED, 0xA0, 0x80], [0xC0, 0xAF] })
        {
            foreach (var before in Enum.GetValues<Before>())
            {
                AssertSame([.. content[..text], .. bad, .. content[text..]], before, eventType: null);
                AssertSame([.. content[..model], .. bad, .. content[model..]], before, eventType: null);
            }
        }
    }

    [Fact]
    public void OpenAIChunks_AreReadForward_EachShapeWithItsEvents()
    {
        bool started = false;
        Assert.Empty(Scanned(AzureFilter, ref started));
        Assert.False(started);
        Assert.Equal([new ResponseStarted("chatcmpl-1", "gpt-4o-mini", 1741570283) { SystemFingerprint = "fp_1" }], Scanned(Role, ref started));
        Assert.True(started);
        Assert.Equal([new TextDelta(0, "Hello")], Scanned(Content, ref started));
        Assert.Equal([new ChoiceFinished(0, FinishReason.EndTurn, "stop")], Scanned(Finish, ref started));
        var usage = new Usage { InputTokens = 9, OutputTokens = 12, TotalTokens = 21, CachedInputTokens = 3, ReasoningTokens = 2 };
        Assert.Equal([new UsageReported(usage)], Scanned(UsageChunk, ref started));
        Assert.Empty(Scanned("""{"id":"chatcmpl-1","choices":[],"usage":null}""", ref started));
    }

    [Fact]
    public void VendorChunks_AreReadForward_ThinkingRefusalAndChoiceUsageIncluded()
    {
        bool started = true;
        Assert.Equal(
            [new ThinkingDelta(0, "Hmm")],
            Scanned("""{"id":"d","model":"m","choices":[{"index":0,"delta":{"content":null,"reasoning_content":"Hmm"},"logprobs":null,"finish_reason":null}]}""", ref started));
        Assert.Equal(
            [new ThinkingDelta(1, "r"), new TextDelta(1, "a"), new TextDelta(1, "no")],
            Scanned("""{"id":"d","model":"m","choices":[{"index":1,"delta":{"reasoning":"r","content":"a","refusal":"no"}}]}""", ref started));
        Assert.Equal(
            [new ChoiceFinished(0, FinishReason.EndTurn, "stop"), new UsageReported(new Usage { InputTokens = 19, OutputTokens = 13, CachedInputTokens = 8 })],
            Scanned("""{"id":"d","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop","usage":{"prompt_tokens":19,"completion_tokens":13,"cached_tokens":8}}]}""", ref started));
    }

    [Fact]
    public void ServedModel_IsTheFirstChunksRootModel_NestedAndLaterModelsIgnored()
    {
        bool started = false;
        var events = new List<ChatEvent>();
        Assert.True(OpenAIChatResponseScan.TryDecodeChunk(
            """{"choices":[{"delta":{"content":"{\"model\":\"evil\"}","x":{"model":"evil"}},"index":0}],"extra":{"model":"evil"},"model":"go\u006fd","id":"i","created":4}"""u8,
            ref started, null, events));

        // A later chunk's head is not read at all: not even text that cannot be read fails it, as the document reader
        // does not read it either.
        Assert.True(OpenAIChatResponseScan.TryDecodeChunk(
            """{"id":"\ud800","model":"other","system_fingerprint":"\udc00","choices":[{"index":0,"delta":{"content":"b"}}]}"""u8,
            ref started, null, events));
        Assert.Equal([new ResponseStarted("i", "good", 4), new TextDelta(0, "{\"model\":\"evil\"}"), new TextDelta(0, "b")], events);
    }

    [Fact]
    public void AzureFilterChunk_StartsNothing_TheNextChunkStarts()
    {
        bool started = false;
        var events = new List<ChatEvent>();
        Assert.True(OpenAIChatResponseScan.TryDecodeChunk(Encoding.UTF8.GetBytes(AzureFilter), ref started, null, events));
        Assert.False(started);
        Assert.Empty(events);
        Assert.True(OpenAIChatResponseScan.TryDecodeChunk(Encoding.UTF8.GetBytes(Content), ref started, null, events));
        Assert.True(started);
        Assert.Equal([new ResponseStarted("chatcmpl-1", "gpt-4o-mini", 1741570283) { SystemFingerprint = "fp_1" }, new TextDelta(0, "Hello")], events);
    }

    [Fact]
    public void StopAfterToolCalls_IsToolCalls_ForTheChoiceThatCalledThem()
    {
        bool started = true;
        var events = new List<ChatEvent>();
        Assert.True(OpenAIChatResponseScan.TryDecodeChunk(Encoding.UTF8.GetBytes(LaterFinish), ref started, new Dictionary<int, int> { [1] = 2 }, events));
        Assert.Equal([new ChoiceFinished(0, FinishReason.EndTurn, "stop"), new ChoiceFinished(1, FinishReason.ToolCalls, "stop")], events);
    }

    [Theory]
    [InlineData("""{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{"tool_calls":[{"index":0,"id":"c"}]}}]}""")]
    [InlineData("""{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{},"logprobs":{}}]}""")]
    [InlineData("""{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{"content":"\ud800"}}]}""")]
    [InlineData("""{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"a"}}],"usage":{"total_tokens":1,"total_tokens":1}}""")]
    [InlineData("""{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"a"}}],"model":"n"}""")]
    [InlineData("""{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"a"}}],"error":{"type":"server_error"}}""")]
    [InlineData("""{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"a"}}]}x""")]
    [InlineData("""{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"a"}}]""")]
    public void Declined_AfterChoicesWereRead_LeavesOutputAndStartAsTheyWere(string chunk)
    {
        bool started = false;
        var events = new List<ChatEvent> { new TextDelta(9, "before") };
        Assert.False(OpenAIChatResponseScan.TryDecodeChunk(Encoding.UTF8.GetBytes(chunk), ref started, null, events));
        Assert.False(started);
        Assert.Equal([new TextDelta(9, "before")], events);
    }

    [Fact]
    public void LegacyCompletionsChunks_AreReadByTheDocumentReader_TextIncluded()
    {
        var events = new List<ChatEvent>();
        Assert.True(new OpenAIChatUpstreamDecoder(legacyCompletions: true).DecodeStreamEvent(
            new SseEvent(null, """{"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"hi","finish_reason":null}]}"""u8.ToArray(), null), events));
        Assert.Equal([new ResponseStarted("cmpl-1", "m", 1), new TextDelta(0, "hi")], events);
    }

    [Theory]
    [InlineData("1.sse")]
    [InlineData("2.sse")]
    public void RecordedOpenAIStream_DecodesAsTheDocumentReaderDecodesIt_ChunksWithoutToolCallsReadForward(string name)
    {
        // OpenAI's own streams (tests/Recordings/openai-chat): a tool call, and text.
        var steps = new List<(string? Type, byte[] Data)>();
        using (var parser = new SseParser())
        {
            var buffer = new ReadOnlySequence<byte>(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Recordings", "openai-chat", name)));
            while (parser.TryParse(ref buffer, true, out var ev))
            {
                steps.Add((ev.EventType, ev.Data.ToArray()));
            }
        }

        Assert.True(steps.Count > 5);
        Assert.Equal(Transcript(steps, document: true), Transcript(steps, document: false));

        bool started = false;
        foreach (var (_, data) in steps.Where(static s => !s.Data.AsSpan().SequenceEqual("[DONE]"u8)))
        {
            bool toolCalls = Encoding.UTF8.GetString(data).Contains("\"tool_calls\":[", StringComparison.Ordinal);
            Assert.Equal(!toolCalls, OpenAIChatResponseScan.TryDecodeChunk(data, ref started, null, []));
        }
    }

    /// <summary>The events of a chunk the forward read must take.</summary>
    private static List<ChatEvent> Scanned(string chunk, ref bool started)
    {
        var events = new List<ChatEvent>();
        Assert.True(OpenAIChatResponseScan.TryDecodeChunk(Encoding.UTF8.GetBytes(chunk), ref started, null, events), chunk);
        return events;
    }

    /// <summary>The decoder (forward read first) and the document reader alone, each fed the same prelude, the chunk and
    /// the chunks after it, give the same transcript: events, ends and errors (type and message) step by step.</summary>
    private static void AssertSame(byte[] chunk, Before before, string? eventType)
    {
        var steps = new List<(string? Type, byte[] Data)>();
        string? prelude = before switch
        {
            Before.AzureFilter => AzureFilter,
            Before.Text => Role,
            Before.ToolCalls => ToolCalls,
            _ => null,
        };
        if (prelude is not null)
        {
            steps.Add((null, Encoding.UTF8.GetBytes(prelude)));
        }

        steps.Add((eventType, chunk));
        steps.Add((null, Encoding.UTF8.GetBytes(LaterText)));
        steps.Add((null, Encoding.UTF8.GetBytes(LaterFinish)));
        var expected = Transcript(steps, document: true);
        var actual = Transcript(steps, document: false);
        Assert.True(
            expected.SequenceEqual(actual),
            $"{Encoding.UTF8.GetString(chunk)} after {before}:\ndocument reader:\n{string.Join('\n', expected)}\ndecoder:\n{string.Join('\n', actual)}");
    }

    private static List<string> Transcript(List<(string? Type, byte[] Data)> steps, bool document)
    {
        var decoder = new OpenAIChatUpstreamDecoder();
        var lines = new List<string>();
        foreach (var (type, data) in steps)
        {
            var events = new List<ChatEvent>();
            var ev = new SseEvent(type, data, null);
            try
            {
                bool more = document ? decoder.DecodeStreamEventDocument(ev, events) : decoder.DecodeStreamEvent(ev, events);
                lines.Add($"{more}: {Describe(events)}");
                if (!more)
                {
                    break;
                }
            }
            catch (JsonException e)
            {
                lines.Add($"{e.GetType().FullName}: {e.Message} (after {Describe(events)})");
                break;
            }
        }

        return lines;
    }
}
