using System.Net;
using System.Text;
using Candor.Core.Accounting;
using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Core.Upstream;
using Candor.Protocols.Anthropic;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using Candor.Providers;
using Candor.UnitTests.Support;

namespace Candor.UnitTests.Core.Relay;

/// <summary>Embeddings and token counts without a server: they take chat's admission, attempt loop and whole-answer relay
/// (an in-memory <see cref="ResponsePort"/>, scripted upstreams).</summary>
public sealed class AuxiliaryRelayTests : IDisposable
{
    private static readonly ProviderRegistry Providers = new(ProviderCatalog.All());
    private static readonly Surface OpenAI = new(WireProtocol.OpenAI, static r => new OpenAIChatClientEncoder(r), OpenAIErrors.Write);
    private static readonly Surface Anthropic = new(WireProtocol.Anthropic, static r => new AnthropicClientEncoder(r), AnthropicErrors.Write);
    private static readonly Dictionary<string, string> Env = new() { ["K"] = "upstream-key", ["C"] = "client-key-0123456789" };

    private const string Vectors = """{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,-0.25]}],"model":"e-served","usage":{"prompt_tokens":2,"total_tokens":2}}""";

    private readonly ScriptedUpstream _upstream = new();
    private readonly UpstreamClients _clients;
    private readonly AuxiliaryRelay _relay;

    public AuxiliaryRelayTests()
    {
        _clients = new UpstreamClients(_upstream);
        var config = new ConfigLoader(Providers.Names, n => Env.GetValueOrDefault(n)).Load("""
            channels:
              - { id: a, provider: openai, base_url: http://a.test/v1, api_key_env: K }
              - { id: b, provider: openai, base_url: http://b.test/v1, api_key_env: K }
              - { id: c, provider: anthropic, base_url: http://c.test, api_key_env: K }
            models:
              - name: e
                deployments:
                  - { channel: a, model: x, priority: 0 }
                  - { channel: b, model: x, priority: 1 }
              - name: claude
                deployments:
                  - { channel: c, model: claude-x }
              - name: gpt
                deployments:
                  - { channel: a, model: x }
            keys:
              - { name: t, key_env: C }
            """, "test.yaml");
        var snapshot = RuntimeSnapshot.Build(config, Providers, _clients, KeyHasher.CreateEphemeral());
        _relay = new AuxiliaryRelay(new SnapshotHolder(snapshot), new Router(new HealthRegistry(TimeProvider.System), new Random(7)), new TokenEstimator(),
            new ListLogger<AuxiliaryRelay>());
    }

    public void Dispose()
    {
        _clients.Dispose();
        _upstream.Dispose();
    }

    [Fact]
    public async Task Embeddings_FirstDeploymentFails_TheAttemptLoopFailsOver()
    {
        _upstream.Respond = static request => request.RequestUri!.Host == "a.test"
            ? Answer(HttpStatusCode.ServiceUnavailable, """{"error":{"message":"busy","type":"server_error"}}""")
            : Answer(HttpStatusCode.OK, Vectors);
        var port = await EmbedAsync("e");

        Assert.Equal(200, port.StatusCode);
        Assert.Equal("b", port.Headers[RelayHeaders.Channel]);
        Assert.Equal("2", port.Headers[RelayHeaders.Attempts]);
        Assert.Contains("0.5", port.Text, StringComparison.Ordinal);
        Assert.Equal(["a.test", "b.test"], _upstream.Requests.Select(static r => r.Host));
    }

    [Fact]
    public async Task Embeddings_AnswerThatDoesNotDecode_FailsOver()
    {
        _upstream.Respond = static request => Answer(HttpStatusCode.OK, request.RequestUri!.Host == "a.test" ? """{"data": 7}""" : Vectors);
        var port = await EmbedAsync("e");

        Assert.Equal(200, port.StatusCode);
        Assert.Equal("b", port.Headers[RelayHeaders.Channel]);
    }

    [Fact]
    public async Task Embeddings_UnknownModel_404_NothingSent()
    {
        _upstream.Respond = static _ => throw new InvalidOperationException("no upstream call expected");
        var port = await EmbedAsync("nope");

        Assert.Equal(404, port.StatusCode);
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task CountTokens_ChannelWithoutACounter_CandorsEstimate_NothingSent()
    {
        _upstream.Respond = static _ => throw new InvalidOperationException("no upstream call expected");
        var port = await CountAsync("gpt");

        Assert.Equal(200, port.StatusCode);
        Assert.Equal("estimate", port.Headers[RelayHeaders.CountSource]);
        Assert.Contains("\"input_tokens\"", port.Text, StringComparison.Ordinal);
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task CountTokens_UpstreamCounter_ItsCount()
    {
        _upstream.Respond = static _ => Answer(HttpStatusCode.OK, """{"input_tokens":4242}""");
        var port = await CountAsync("claude");

        Assert.Equal(200, port.StatusCode);
        Assert.Equal("upstream", port.Headers[RelayHeaders.CountSource]);
        Assert.Contains("4242", port.Text, StringComparison.Ordinal);
        Assert.Single(_upstream.Requests);
    }

    [Fact]
    public async Task CountTokens_UpstreamCounterFails_ErrorInTheClientsEnvelope_OneAttemptOnly()
    {
        _upstream.Respond = static _ => Answer(HttpStatusCode.InternalServerError, """{"type":"error","error":{"type":"api_error","message":"boom"}}""");
        var port = await CountAsync("claude");

        Assert.InRange(port.StatusCode, 500, 599);
        Assert.Contains("\"error\"", port.Text, StringComparison.Ordinal);
        Assert.Single(_upstream.Requests);
    }

    private async Task<MemoryResponsePort> EmbedAsync(string model)
    {
        byte[] body = Encoding.UTF8.GetBytes($$"""{"model":"{{model}}","input":"hello"}""");
        Assert.True(OpenAIEmbeddingsCodec.TryDecodeRequest(body.AsSpan(), out var request, out var error), error?.Message);
        var port = new MemoryResponsePort();
        await _relay.EmbeddingsAsync(new RelayContext(port, "openai"), OpenAI, request,
            (response, output) => OpenAIEmbeddingsCodec.WriteResponse(response, request.Model, request.EncodingFormat, output), body).WaitAsync(TimeSpan.FromSeconds(10));
        return port;
    }

    private async Task<MemoryResponsePort> CountAsync(string model)
    {
        byte[] body = Encoding.UTF8.GetBytes($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hello there"}]}""");
        Assert.True(AnthropicRequestDecoder.TryDecodeCountTokens(body, out var request, out var error), error?.Message);
        var port = new MemoryResponsePort();
        await _relay.CountTokensAsync(new RelayContext(port, "anthropic"), Anthropic, request, AnthropicErrors.WriteCountTokens).WaitAsync(TimeSpan.FromSeconds(10));
        return port;
    }

    private static HttpResponseMessage Answer(HttpStatusCode status, string body) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
}
