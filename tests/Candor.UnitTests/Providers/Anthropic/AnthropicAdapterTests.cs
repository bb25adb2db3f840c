using System.Text;
using Candor.Core.Configuration;
using Candor.Protocols.Anthropic;
using Candor.Protocols.Canonical;
using Candor.Providers.Anthropic;
using static Candor.UnitTests.Protocols.Anthropic.AnthropicTestHelpers;

namespace Candor.UnitTests.Providers.Anthropic;

public sealed class AnthropicAdapterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static ChannelSettings Channel(string? version = null, Dictionary<string, string>? headers = null) => new()
    {
        Id = "ch-1",
        Provider = "anthropic",
        BaseUrl = new Uri("https://api.anthropic.com"),
        ApiKey = "sk-ant-test",
        ApiVersion = version,
        Headers = headers ?? [],
    };

    private static ChatRequest Request(bool stream = false)
    {
        var r = new ChatRequest { Model = "public", MaxOutputTokens = 100, Stream = stream };
        r.Messages.Add(ChatMessage.Text(ChatRole.User, "Hello, Claude"));
        return r;
    }

    [Fact]
    public void Identity_IsAnthropic()
    {
        var adapter = new AnthropicAdapter();

        Assert.Equal("anthropic", adapter.Name);
        Assert.Equal(WireProtocol.Anthropic, adapter.Protocol);
    }

    [Fact]
    public async Task ChatRequest_HasUrlHeadersAndJsonBody()
    {
        using var message = new AnthropicAdapter().CreateChatRequest(Channel(), "claude-opus-4-6", Request(stream: true));

        Assert.Equal(HttpMethod.Post, message.Method);
        Assert.Equal("https://api.anthropic.com/v1/messages", message.RequestUri!.ToString());
        Assert.Equal("sk-ant-test", message.Headers.GetValues("x-api-key").Single());
        Assert.Equal("2023-06-01", message.Headers.GetValues("anthropic-version").Single());
        Assert.Equal("text/event-stream", message.Headers.GetValues("accept").Single());
        Assert.Equal("application/json", message.Content!.Headers.ContentType!.MediaType);
        string body = Encoding.UTF8.GetString(await message.Content.ReadAsByteArrayAsync().WaitAsync(Timeout));
        AssertJsonEqual("""{"model":"claude-opus-4-6","max_tokens":100,"messages":[{"role":"user","content":"Hello, Claude"}],"stream":true}""", body);
        Assert.Equal(Encoding.UTF8.GetByteCount(body), message.Content.Headers.ContentLength);
    }

    [Fact]
    public void ChannelVersionAndHeaders_OverrideDefaults()
    {
        var channel = Channel("2024-01-01", new() { ["anthropic-beta"] = "prompt-caching-2024-07-31", ["anthropic-version"] = "2025-01-01" });
        using var message = new AnthropicAdapter().CreateChatRequest(channel, "m", Request());

        Assert.Equal("2025-01-01", message.Headers.GetValues("anthropic-version").Single());
        Assert.Equal("prompt-caching-2024-07-31", message.Headers.GetValues("anthropic-beta").Single());

        using var versioned = new AnthropicAdapter().CreateChatRequest(Channel("2024-01-01"), "m", Request());
        Assert.Equal("2024-01-01", versioned.Headers.GetValues("anthropic-version").Single());
    }

    [Fact]
    public void BaseUrlWithPathAndSlash_IsJoinedOnce()
    {
        var channel = new ChannelSettings { Id = "c", Provider = "anthropic", BaseUrl = new Uri("https://proxy.example.com/anthropic/") };
        using var message = new AnthropicAdapter().CreateChatRequest(channel, "m", Request());

        Assert.Equal("https://proxy.example.com/anthropic/v1/messages", message.RequestUri!.ToString());
        Assert.False(message.Headers.Contains("x-api-key"));
    }

    [Fact]
    public async Task RawRequest_SendsTheBodyAsGiven()
    {
        using var body = new ByteArrayContent("{\"model\":\"x\"}"u8.ToArray());
        using var message = new AnthropicAdapter().CreateRawChatRequest(Channel(), "x", stream: false, body);

        Assert.Same(body, message.Content);
        Assert.Equal("application/json", message.Headers.GetValues("accept").Single());
        Assert.Equal("{\"model\":\"x\"}", await message.Content!.ReadAsStringAsync().WaitAsync(Timeout));
    }

    [Fact]
    public void RawForwarding_OnlyForAnthropicClients()
    {
        var adapter = new AnthropicAdapter();

        Assert.True(adapter.SupportsRawForwarding(new ChatRequest { SourceProtocol = WireProtocol.Anthropic }));
        Assert.False(adapter.SupportsRawForwarding(new ChatRequest { SourceProtocol = WireProtocol.OpenAI }));
    }

    [Fact]
    public async Task CountTokens_RequestAndAnswer()
    {
        var adapter = new AnthropicAdapter();
        using var message = adapter.CreateCountTokensRequest(Channel(), "claude-opus-4-6", Request(stream: true))!;

        Assert.Equal("https://api.anthropic.com/v1/messages/count_tokens", message.RequestUri!.ToString());
        AssertJsonEqual("""{"model":"claude-opus-4-6","messages":[{"role":"user","content":"Hello, Claude"}]}""", await message.Content!.ReadAsStringAsync().WaitAsync(Timeout));
        Assert.Equal(14, adapter.ReadCountTokens("""{"input_tokens":14}"""u8));
        Assert.Null(adapter.ReadCountTokens("oops"u8));
    }

    [Fact]
    public void ErrorType_IsReadFromTheEnvelope()
    {
        var adapter = new AnthropicAdapter();

        Assert.Equal("overloaded_error", adapter.ReadErrorType("""{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}"""u8));
        Assert.Null(adapter.ReadErrorType("<html>bad gateway</html>"u8));
        Assert.Null(adapter.ReadErrorType("""{"error":"x"}"""u8));
    }

    [Fact]
    public void Embeddings_AreNotSupported()
    {
        var adapter = new AnthropicAdapter();

        Assert.Null(adapter.CreateEmbeddingsRequest(Channel(), "m", new EmbeddingRequest()));
        Assert.Throws<NotSupportedException>(() => adapter.ReadEmbeddings("{}"u8));
    }

    [Fact]
    public void Decoder_IsAnthropic()
    {
        Assert.IsType<AnthropicUpstreamDecoder>(new AnthropicAdapter().CreateDecoder(Channel()));
        Assert.Equal("n", new AnthropicAdapter().CheckSupported(new ChatRequest { N = 3 })!.Param);
    }
}
