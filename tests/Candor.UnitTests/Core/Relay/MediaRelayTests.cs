using System.Net;
using System.Text;
using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Core.Upstream;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using Candor.Providers;
using Candor.UnitTests.Support;

namespace Candor.UnitTests.Core.Relay;

/// <summary>The media endpoints without a server: chat's attempt loop (failover before the first byte), a channel without
/// the endpoint, and speech streamed through with a break after the commit (in-memory port, scripted upstreams).</summary>
public sealed class MediaRelayTests : IDisposable
{
    private static readonly ProviderRegistry Providers = new(ProviderCatalog.All());
    private static readonly Surface OpenAI = new(WireProtocol.OpenAI, static r => new OpenAIChatClientEncoder(r), OpenAIErrors.Write);
    private static readonly Dictionary<string, string> Env = new() { ["K"] = "upstream-key", ["C"] = "client-key-0123456789" };

    private readonly ScriptedUpstream _upstream = new();
    private readonly UpstreamClients _clients;
    private readonly MediaRelay _relay;

    public MediaRelayTests()
    {
        _clients = new UpstreamClients(_upstream);
        var config = new ConfigLoader(Providers.Names, n => Env.GetValueOrDefault(n)).Load("""
            channels:
              - { id: a, provider: openai, base_url: http://a.test/v1, api_key_env: K }
              - { id: b, provider: openai, base_url: http://b.test/v1, api_key_env: K }
              - { id: d, provider: deepseek, base_url: http://d.test/v1, api_key_env: K }
            models:
              - name: img
                deployments:
                  - { channel: a, model: dall-e-3, priority: 0 }
                  - { channel: b, model: dall-e-3, priority: 1 }
              - name: img-ds
                deployments:
                  - { channel: d, model: dall-e-3 }
              - name: tts
                deployments:
                  - { channel: a, model: tts-1 }
            keys:
              - { name: t, key_env: C }
            """, "test.yaml");
        var snapshot = RuntimeSnapshot.Build(config, Providers, _clients, KeyHasher.CreateEphemeral());
        _relay = new MediaRelay(new SnapshotHolder(snapshot), new Router(new HealthRegistry(TimeProvider.System), new Random(7)), new ListLogger<MediaRelay>());
    }

    public void Dispose()
    {
        _clients.Dispose();
        _upstream.Dispose();
    }

    [Fact]
    public async Task Images_FirstDeploymentFails_TheAttemptLoopFailsOver_AndTheAnswerPassesThrough()
    {
        const string Images = """{"created":1,"data":[{"url":"https://x/1.png"}]}""";
        _upstream.Respond = static request => request.RequestUri!.Host == "a.test"
            ? new(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("""{"error":{"message":"busy","type":"server_error"}}""", Encoding.UTF8, "application/json") }
            : new(HttpStatusCode.OK) { Content = new StringContent(Images, Encoding.UTF8, "application/json") };
        var port = await RelayAsync(MediaKind.ImageGeneration, """{"model":"img","prompt":"a kite"}""");

        Assert.Equal(200, port.StatusCode);
        Assert.Equal("b", port.Headers[RelayHeaders.Channel]);
        Assert.Equal(Images, port.Text);
        Assert.Equal(["a.test", "b.test"], _upstream.Requests.Select(static r => r.Host));
        Assert.Contains("\"model\":\"dall-e-3\"", _upstream.Requests[1].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChannelWithoutTheEndpoint_IsA400NamingIt_AndNothingIsSent()
    {
        var port = await RelayAsync(MediaKind.ImageGeneration, """{"model":"img-ds","prompt":"a kite"}""");
        Assert.Equal(400, port.StatusCode);
        Assert.Contains("does not support image generation", port.Text, StringComparison.Ordinal);
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task Speech_BrokenAfterTheFirstChunks_StopsWithoutTheRest()
    {
        byte[] audio = new byte[40_000];
        new Random(3).NextBytes(audio);
        _upstream.Respond = _ =>
        {
            var content = new StreamContent(new BreakingStream(audio, breakAfter: 20_000));
            content.Headers.ContentType = new("audio/mpeg");
            return new(HttpStatusCode.OK) { Content = content };
        };
        var port = await RelayAsync(MediaKind.Speech, """{"model":"tts","input":"hello","voice":"alloy"}""");

        Assert.Equal(200, port.StatusCode);
        Assert.Equal("audio/mpeg", port.Headers["Content-Type"]);
        byte[] delivered = port.Bytes;
        Assert.True(delivered.Length is > 0 and < 20_000, "the chunk held when the stream broke went out");
        Assert.Equal(audio.AsSpan(0, delivered.Length).ToArray(), delivered);
        Assert.True(port.ExchangeAborted);
    }

    [Fact]
    public async Task Speech_Whole_IsRelayedByteForByte()
    {
        byte[] audio = new byte[50_000];
        new Random(5).NextBytes(audio);
        _upstream.Respond = _ =>
        {
            var content = new ByteArrayContent(audio);
            content.Headers.ContentType = new("audio/wav");
            return new(HttpStatusCode.OK) { Content = content };
        };
        var port = await RelayAsync(MediaKind.Speech, """{"model":"tts","input":"hello","voice":"alloy"}""");
        Assert.Equal(200, port.StatusCode);
        Assert.Equal(audio, port.Bytes);
        Assert.False(port.ExchangeAborted);
    }

    private async Task<MemoryResponsePort> RelayAsync(MediaKind kind, string json)
    {
        Assert.True(OpenAIMediaCodec.TryDecodeJson(kind, Encoding.UTF8.GetBytes(json), out var request, out var error), error?.Message);
        var port = new MemoryResponsePort();
        await _relay.RelayAsync(new RelayContext(port, "openai"), OpenAI, request).WaitAsync(TimeSpan.FromSeconds(10));
        return port;
    }

    /// <summary>Gives <paramref name="breakAfter"/> bytes of <paramref name="data"/> in 4 KiB reads, then fails as a cut connection.</summary>
    private sealed class BreakingStream(byte[] data, int breakAfter) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Position >= breakAfter ? throw new IOException("connection reset") : base.ReadAsync(buffer[..Math.Min(buffer.Length, 4096)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
