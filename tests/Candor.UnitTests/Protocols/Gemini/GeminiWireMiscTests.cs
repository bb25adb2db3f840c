using System.Buffers;
using System.Text;
using Candor.Core.Configuration;
using Candor.Protocols.Canonical;
using Candor.Protocols.Gemini;
using Candor.Providers.Gemini;
using static Candor.UnitTests.Protocols.Gemini.GeminiTestJson;

namespace Candor.UnitTests.Protocols.Gemini;

public sealed class GeminiWireMiscTests
{
    private static readonly ChannelSettings Channel = new()
    {
        Id = "g1",
        Provider = "gemini",
        BaseUrl = new Uri("https://generativelanguage.googleapis.com/"),
        ApiKey = "k-123",
        Headers = new Dictionary<string, string> { ["x-extra"] = "1" },
    };

    [Theory]
    [InlineData(RelayErrorKind.InvalidRequest, 400, "INVALID_ARGUMENT")]
    [InlineData(RelayErrorKind.Authentication, 401, "UNAUTHENTICATED")]
    [InlineData(RelayErrorKind.PermissionDenied, 403, "PERMISSION_DENIED")]
    [InlineData(RelayErrorKind.NotFound, 404, "NOT_FOUND")]
    [InlineData(RelayErrorKind.RateLimited, 429, "RESOURCE_EXHAUSTED")]
    [InlineData(RelayErrorKind.Internal, 500, "INTERNAL")]
    [InlineData(RelayErrorKind.UpstreamUnavailable, 502, "UNAVAILABLE")]
    [InlineData(RelayErrorKind.Overloaded, 503, "UNAVAILABLE")]
    [InlineData(RelayErrorKind.UpstreamTimeout, 504, "DEADLINE_EXCEEDED")]
    public void ErrorEnvelope_UsesGoogleStatusWords(RelayErrorKind kind, int status, string word)
    {
        var output = new ArrayBufferWriter<byte>();
        GeminiErrors.Write(new RelayError(RelayStage.Upstream, kind, status, "m"), output);
        Equal($$$"""{"error":{"code":{{{status}}},"message":"m","status":"{{{word}}}"}}""", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void CountTokensAnswer_IsTotalTokens()
    {
        var output = new ArrayBufferWriter<byte>();
        GeminiErrors.WriteCountTokens(31, output);
        Assert.Equal("""{"totalTokens":31}""", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Embeddings_BatchRequestAndResponse()
    {
        var request = new EmbeddingRequest { Model = "pm", Dimensions = 3 };
        request.Inputs.Add("What is the meaning of life?");
        request.Inputs.Add("How much wood would a woodchuck chuck?");
        Equal("""
            {"requests":[
              {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"What is the meaning of life?"}]},"outputDimensionality":3},
              {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"How much wood would a woodchuck chuck?"}]},"outputDimensionality":3}]}
            """, Write(w => GeminiEmbeddingsCodec.WriteBatchRequest(request, "gemini-embedding-001", w)));

        var response = GeminiEmbeddingsCodec.ReadBatchResponse(Utf8("""{"embeddings":[{"values":[0.1,-0.2,0.3]},{"values":[1,2,3]}]}"""));
        Assert.Equal([0.1f, -0.2f, 0.3f], response.Vectors[0]);
        Assert.Equal(2, response.Vectors.Count);
        Assert.Throws<System.Text.Json.JsonException>(() => GeminiEmbeddingsCodec.ReadBatchResponse(Utf8("""{"nope":1}""")));
    }

    [Fact]
    public async Task Adapter_BuildsStreamRequestWithKeyHeaderAndBody()
    {
        var adapter = new GeminiAdapter();
        Assert.Equal("gemini", adapter.Name);
        Assert.Equal(WireProtocol.Gemini, adapter.Protocol);
        var request = new ChatRequest { Model = "pm", Stream = true };
        request.Messages.Add(ChatMessage.Text(ChatRole.User, "hi"));
        using var message = adapter.CreateChatRequest(Channel, "models/gemini-2.5-flash", request);
        Assert.Equal(HttpMethod.Post, message.Method);
        Assert.Equal("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", message.RequestUri!.AbsoluteUri);
        Assert.Equal("k-123", Assert.Single(message.Headers.GetValues("x-goog-api-key")));
        Assert.Equal("1", Assert.Single(message.Headers.GetValues("x-extra")));
        Assert.Equal("application/json", message.Content!.Headers.ContentType!.MediaType);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        string body = await message.Content.ReadAsStringAsync(cts.Token);
        Equal("""{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}""", body);
        Assert.Equal(body.Length, message.Content.Headers.ContentLength);
    }

    [Fact]
    public void Adapter_UrlsForEveryMethod()
    {
        var adapter = new GeminiAdapter();
        var request = new ChatRequest();
        request.Messages.Add(ChatMessage.Text(ChatRole.User, "hi"));
        using var plain = adapter.CreateChatRequest(Channel, "gemini-2.0-flash", request);
        Assert.EndsWith("/v1beta/models/gemini-2.0-flash:generateContent", plain.RequestUri!.AbsoluteUri, StringComparison.Ordinal);
        using var count = adapter.CreateCountTokensRequest(Channel, "gemini-2.0-flash", request)!;
        Assert.EndsWith(":countTokens", count.RequestUri!.AbsoluteUri, StringComparison.Ordinal);
        using var embed = adapter.CreateEmbeddingsRequest(Channel, "text-embedding-004", new EmbeddingRequest())!;
        Assert.EndsWith("/v1beta/models/text-embedding-004:batchEmbedContents", embed.RequestUri!.AbsoluteUri, StringComparison.Ordinal);
        using var odd = adapter.CreateRawChatRequest(Channel, "my model?", false, new ByteArrayContent([]));
        Assert.EndsWith("/v1beta/models/my%20model%3F:generateContent", odd.RequestUri!.AbsoluteUri, StringComparison.Ordinal);
    }

    [Fact]
    public void Adapter_ReadsErrorStatusAndCounts()
    {
        var adapter = new GeminiAdapter();
        Assert.Equal("RESOURCE_EXHAUSTED", adapter.ReadErrorType(Utf8("""{"error":{"code":429,"message":"x","status":"RESOURCE_EXHAUSTED"}}""")));
        Assert.Equal("UNAVAILABLE", adapter.ReadErrorType(Utf8("""[{"error":{"code":503,"message":"x","status":"UNAVAILABLE"}}]""")));
        Assert.Null(adapter.ReadErrorType(Utf8("<html>")));
        Assert.Equal(31, adapter.ReadCountTokens(Utf8("""{"totalTokens":31,"promptTokensDetails":[{"modality":"TEXT","tokenCount":31}]}""")));
        Assert.True(adapter.SupportsRawForwarding(new ChatRequest { SourceProtocol = WireProtocol.Gemini }));
        Assert.False(adapter.SupportsRawForwarding(new ChatRequest { SourceProtocol = WireProtocol.OpenAI }));
    }
}
