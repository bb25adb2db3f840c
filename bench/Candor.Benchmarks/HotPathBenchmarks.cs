using System.Buffers;
using BenchmarkDotNet.Attributes;
using Candor.Core.Accounting;
using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Core.Relay;
using Candor.Protocols.Anthropic;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using Candor.Protocols.Sse;

namespace Candor.Benchmarks;

/// <summary>The per-request and per-event work of the relay's hot paths, one whole stream or request per
/// operation, with allocations measured (bench/micro-budget.json holds the allowed figures).</summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private readonly PooledBufferWriter _rewritten = new(8192);
    private readonly List<ChatEvent> _events = new(8);
    private KeySet _keys = null!;
    private TokenEstimator _tokens = null!;
    private string _text = null!;
    private ChatRequest _request = null!;
    private OpenAIChatUpstreamDecoder _chunkDecoder = null!;
    private OpenAIChatUpstreamDecoder _chunkDocumentDecoder = null!;

    [GlobalSetup]
    public void Setup()
    {
        var hasher = new KeyHasher(new byte[32]);
        _keys = KeySet.Build(Enumerable.Range(0, 1000).Select(i => new ClientKey { Name = "k" + i, Value = "sk-cd-benchmark-key-" + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture) }), hasher);
        _tokens = new TokenEstimator();
        _text = string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog; 敏捷的棕色狐狸跳过了懒狗。 ", 20));
        _tokens.CountText(_text);
        OpenAIChatRequestDecoder.TryDecode(StreamFixtures.ChatBody, out var request, out _);
        _request = request!;

        // Decoders in the middle of a stream: the response started with the first chunk.
        _chunkDecoder = new OpenAIChatUpstreamDecoder();
        _chunkDecoder.DecodeStreamEvent(new SseEvent(null, StreamFixtures.FirstStreamChunk, null), _events);
        _chunkDocumentDecoder = new OpenAIChatUpstreamDecoder();
        _chunkDocumentDecoder.DecodeStreamEventDocument(new SseEvent(null, StreamFixtures.FirstStreamChunk, null), _events);
    }

    /// <summary>Parsing a 100-delta OpenAI stream into events (the fast path's reader).</summary>
    [Benchmark]
    public int SseParse()
    {
        using var parser = new SseParser();
        var buffer = new ReadOnlySequence<byte>(StreamFixtures.OpenAIStream);
        int n = 0;
        while (parser.TryParse(ref buffer, true, out var ev))
        {
            n += ev.Data.Length;
        }

        return n;
    }

    /// <summary>Decoding a whole non-streamed chat answer to events (served model, text, finish, usage): the forward read
    /// the whole relay uses.</summary>
    [Benchmark]
    public int DecodeWholeAnswer()
    {
        _events.Clear();
        new OpenAIChatUpstreamDecoder().DecodeResponse(StreamFixtures.WholeAnswer, _events);
        return _events.Count;
    }

    /// <summary>The same answer through the document reader (<see cref="System.Text.Json.JsonDocument"/>), which now reads
    /// only tool calls, logprobs, legacy completions and odd answers: the forward read's baseline.</summary>
    [Benchmark]
    public int DecodeWholeAnswerDocument()
    {
        _events.Clear();
        new OpenAIChatUpstreamDecoder().DecodeResponseDocument(StreamFixtures.WholeAnswer, _events);
        return _events.Count;
    }

    /// <summary>Decoding one streamed content chunk in the middle of a stream (the response started): the forward read
    /// the stream uses for each chunk.</summary>
    [Benchmark]
    public int DecodeChunk()
    {
        _events.Clear();
        _chunkDecoder.DecodeStreamEvent(new SseEvent(null, StreamFixtures.StreamChunk, null), _events);
        return _events.Count;
    }

    /// <summary>The same chunk through the document reader (a <see cref="System.Text.Json.JsonDocument"/> per chunk), which
    /// now reads only tool calls, logprobs, errors, legacy completions and odd chunks: the forward read's baseline.</summary>
    [Benchmark]
    public int DecodeChunkDocument()
    {
        _events.Clear();
        _chunkDocumentDecoder.DecodeStreamEventDocument(new SseEvent(null, StreamFixtures.StreamChunk, null), _events);
        return _events.Count;
    }

    /// <summary>The fast path per stream: parse each event, decode it for ids/usage, write it to the client.</summary>
    [Benchmark]
    public int FastPathStream()
    {
        _output.ResetWrittenCount();
        using var parser = new SseParser();
        var decoder = new OpenAIChatUpstreamDecoder();
        var buffer = new ReadOnlySequence<byte>(StreamFixtures.OpenAIStream);
        while (parser.TryParse(ref buffer, true, out var ev))
        {
            SseWriter.WriteEvent(_output, ev.EventType, ev.Data.Span);
            _events.Clear();
            decoder.DecodeStreamEvent(ev, _events);
        }

        return _output.WrittenCount;
    }

    /// <summary>The translated path per stream: Anthropic upstream events to OpenAI client chunks.</summary>
    [Benchmark]
    public int TranslatedStream()
    {
        _output.ResetWrittenCount();
        using var parser = new SseParser();
        var decoder = new AnthropicUpstreamDecoder();
        var encoder = new OpenAIChatClientEncoder(_request);
        var buffer = new ReadOnlySequence<byte>(StreamFixtures.AnthropicStream);
        while (parser.TryParse(ref buffer, true, out var ev))
        {
            _events.Clear();
            decoder.DecodeStreamEvent(ev, _events);
            foreach (var e in _events)
            {
                encoder.WriteStreamEvent(e, _output);
            }
        }

        encoder.WriteStreamEnd(_output);
        return _output.WrittenCount;
    }

    /// <summary>Decoding a client's chat request body into the canonical model.</summary>
    [Benchmark]
    public int DecodeRequest()
    {
        OpenAIChatRequestDecoder.TryDecode(StreamFixtures.ChatBody, out var request, out _);
        return request!.Messages.Count;
    }

    /// <summary>Rewriting the model field of a 2 KB body (fast path request).</summary>
    [Benchmark]
    public int RewriteModel()
    {
        _rewritten.Clear();
        ModelFieldRewriter.TryRewrite(StreamFixtures.ChatBody, "gpt-4o-mini-2024-07-18", _rewritten);
        return _rewritten.WrittenCount;
    }

    /// <summary>Authenticating a presented key against 1,000 keys.</summary>
    [Benchmark]
    public bool KeyLookup() => _keys.TryAuthenticate("sk-cd-benchmark-key-000500", out _);

    /// <summary>Counting the tokens of about 1 KB of mixed Latin and CJK text (o200k).</summary>
    [Benchmark]
    public int TokenCount() => _tokens.CountText(_text);
}
