using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Core.Upstream;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using Candor.Providers;
using Microsoft.Extensions.Logging.Abstractions;

namespace Candor.Benchmarks;

/// <summary>One request through the chat relay without a server: admission (no stored key: no billing), the router's
/// plan, one attempt against an in-memory upstream, the answer written to a <see cref="NullResponsePort"/>. What the
/// relay itself allocates per request on the fast path (whole and streamed, 100 deltas) and on the translated path
/// (an Anthropic stream to an OpenAI client); the upstream's own response objects are included and are the same for
/// every version of the relay.</summary>
[MemoryDiagnoser]
public class RelayBenchmarks
{
    // Every operation relays the same decoded request: the surface keeps its messages past the commit (as Anthropic's
    // does) so that the translated benchmark encodes the whole prompt every time.
    private static readonly Surface OpenAI = new(WireProtocol.OpenAI, static r => new OpenAIChatClientEncoder(r), OpenAIErrors.Write, encoderReadsPrompt: true);
    private static readonly byte[] WholeAnswer = Encoding.UTF8.GetBytes(
        """{"id":"c1","object":"chat.completion","created":1,"model":"x-served","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there, how can I help you today?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}""");

    private UpstreamClients _clients = null!;
    private ChatRelay _relay = null!;
    private ChatRequest _whole = null!;
    private ChatRequest _stream = null!;
    private ChatRequest _translated = null!;
    private byte[] _wholeBody = null!;
    private byte[] _streamBody = null!;
    private byte[] _translatedBody = null!;

    [GlobalSetup]
    public void Setup()
    {
        var providers = new ProviderRegistry(ProviderCatalog.All());
        var env = new Dictionary<string, string> { ["K"] = "upstream-key", ["C"] = "client-key-0123456789" };
        var config = new ConfigLoader(providers.Names, n => env.GetValueOrDefault(n)).Load("""
            channels:
              - { id: a, provider: openai, base_url: http://a.test/v1, api_key_env: K }
              - { id: b, provider: openai, base_url: http://b.test/v1, api_key_env: K }
              - { id: c, provider: anthropic, base_url: http://c.test, api_key_env: K }
            models:
              - name: m
                deployments:
                  - { channel: a, model: x }
              - name: ms
                deployments:
                  - { channel: b, model: x }
              - name: claude
                deployments:
                  - { channel: c, model: claude-x }
            keys:
              - { name: t, key_env: C }
            """, "bench.yaml");
        _clients = new UpstreamClients(new InMemoryUpstream());
        var snapshot = RuntimeSnapshot.Build(config, providers, _clients, KeyHasher.CreateEphemeral());
        _relay = new ChatRelay(new SnapshotHolder(snapshot), new Router(new HealthRegistry(TimeProvider.System), new Random(7)), NullLogger<ChatRelay>.Instance);
        (_whole, _wholeBody) = Decode("m", stream: false);
        (_stream, _streamBody) = Decode("ms", stream: true);
        (_translated, _translatedBody) = Decode("claude", stream: true);
    }

    [GlobalCleanup]
    public void Cleanup() => _clients.Dispose();

    /// <summary>A non-streamed request on the fast path.</summary>
    [Benchmark]
    public Task RelayWhole() => _relay.RelayAsync(new RelayContext(new NullResponsePort(), "openai"), OpenAI, _whole, _wholeBody);

    /// <summary>A streamed request on the fast path (100 deltas).</summary>
    [Benchmark]
    public Task RelayStream() => _relay.RelayAsync(new RelayContext(new NullResponsePort(), "openai"), OpenAI, _stream, _streamBody);

    /// <summary>A streamed request translated from an Anthropic upstream.</summary>
    [Benchmark]
    public Task RelayTranslatedStream() => _relay.RelayAsync(new RelayContext(new NullResponsePort(), "openai"), OpenAI, _translated, _translatedBody);

    private static (ChatRequest Request, byte[] Body) Decode(string model, bool stream)
    {
        byte[] body = Encoding.UTF8.GetBytes($$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"max_tokens":64,"messages":[{"role":"user","content":"Say hello."}]}""");
        if (!OpenAIChatRequestDecoder.TryDecode(body, out var request, out var error))
        {
            throw new InvalidOperationException(error.Message);
        }

        return (request, body);
    }

    /// <summary>Answers by host: one OpenAI channel with a whole answer, another with the 100-delta stream, the Anthropic
    /// channel with its stream.</summary>
    private sealed class InMemoryUpstream : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var (bytes, type) = request.RequestUri!.Host switch
            {
                "a.test" => (WholeAnswer, "application/json"),
                "b.test" => (StreamFixtures.OpenAIStream, "text/event-stream"),
                _ => (StreamFixtures.AnthropicStream, "text/event-stream"),
            };
            var answer = new ByteArrayContent(bytes);
            answer.Headers.ContentType = new(type);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = answer });
        }
    }
}
