using Candor.Providers.Http;
using System.Text.Json;
using Candor.Core.Configuration;
using Candor.Core.Upstream;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.Protocols.Gemini;

namespace Candor.Providers.Gemini;

/// <summary>The Gemini API (generativelanguage.googleapis.com, v1beta): the model and the stream mode are
/// in the URL, the key in <c>x-goog-api-key</c>. See README.md in this folder for the quirks.</summary>
internal sealed class GeminiAdapter : IProviderAdapter
{
    /// <inheritdoc />
    public string Name => "gemini";

    /// <inheritdoc />
    public WireProtocol Protocol => WireProtocol.Gemini;

    /// <inheritdoc />
    public RelayError? CheckSupported(ChatRequest request) => GeminiRequestEncoder.CheckSupported(request);

    /// <inheritdoc />
    public HttpRequestMessage CreateChatRequest(ChannelSettings channel, string upstreamModel, ChatRequest request)
    {
        var content = PooledJsonContent.Create(request, static (r, w) => GeminiRequestEncoder.Write(r, w));
        return CreateRawChatRequest(channel, upstreamModel, request.Stream, content);
    }

    /// <summary>A Gemini client's body needs no change: the model is only in the URL.</summary>
    public bool SupportsRawForwarding(ChatRequest request) => request.SourceProtocol == WireProtocol.Gemini;

    /// <inheritdoc />
    public HttpRequestMessage CreateRawChatRequest(ChannelSettings channel, string upstreamModel, bool stream, HttpContent body)
    {
        var message = Create(channel, upstreamModel, stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
        message.Content = body;
        return message;
    }

    /// <inheritdoc />
    public IChatUpstreamDecoder CreateDecoder(ChannelSettings channel) => new GeminiUpstreamDecoder();

    /// <summary>Reads <c>error.status</c> (RESOURCE_EXHAUSTED, UNAVAILABLE, INVALID_ARGUMENT…).</summary>
    public string? ReadErrorType(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;

            // Some Google front ends wrap the error in a one-element array.
            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0)
            {
                root = root[0];
            }

            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String
                ? status.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public HttpRequestMessage? CreateCountTokensRequest(ChannelSettings channel, string upstreamModel, ChatRequest request)
    {
        var message = Create(channel, upstreamModel, ":countTokens");
        string model = StripPrefix(upstreamModel);
        message.Content = PooledJsonContent.Create((request, model), static (s, w) => GeminiRequestEncoder.WriteCountTokens(s.request, s.model, w));
        return message;
    }

    /// <summary>Reads <c>totalTokens</c> from the countTokens answer.</summary>
    public int? ReadCountTokens(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("totalTokens", out var total) && total.TryGetInt32(out int n)
                ? n
                : doc.RootElement.ValueKind == JsonValueKind.Object ? 0 : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public HttpRequestMessage? CreateEmbeddingsRequest(ChannelSettings channel, string upstreamModel, EmbeddingRequest request)
    {
        var message = Create(channel, upstreamModel, ":batchEmbedContents");
        string model = StripPrefix(upstreamModel);
        message.Content = PooledJsonContent.Create((request, model), static (s, w) => GeminiEmbeddingsCodec.WriteBatchRequest(s.request, s.model, w));
        return message;
    }

    /// <inheritdoc />
    public EmbeddingResponse ReadEmbeddings(ReadOnlySpan<byte> body) => GeminiEmbeddingsCodec.ReadBatchResponse(body);

    /// <summary>The URL of a model method: <c>{BaseUrl}/v1beta/models/{model}{suffix}</c>.</summary>
    internal static Uri MethodUri(Uri baseUrl, string upstreamModel, string suffix)
    {
        string root = baseUrl.AbsoluteUri.TrimEnd('/');
        return new Uri($"{root}/v1beta/models/{Uri.EscapeDataString(StripPrefix(upstreamModel))}{suffix}");
    }

    /// <summary>Accepts a model configured as <c>models/X</c> as well as <c>X</c>.</summary>
    private static string StripPrefix(string model) =>
        model.StartsWith("models/", StringComparison.Ordinal) ? model["models/".Length..] : model;

    private static HttpRequestMessage Create(ChannelSettings channel, string upstreamModel, string suffix)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, MethodUri(channel.BaseUrl, upstreamModel, suffix));
        if (channel.ApiKey is not null)
        {
            message.Headers.TryAddWithoutValidation("x-goog-api-key", channel.ApiKey);
        }

        foreach (var (name, value) in channel.Headers)
        {
            message.Headers.Remove(name);
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return message;
    }
}
