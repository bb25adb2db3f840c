using Candor.Providers.Http;
using System.Text.Json;
using Candor.Core.Configuration;
using Candor.Core.Upstream;
using Candor.Protocols.Anthropic;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Providers.Anthropic;

/// <summary>The Anthropic Messages API (<c>{BaseUrl}/v1/messages</c>, <c>/v1/messages/count_tokens</c>),
/// authenticated with <c>x-api-key</c> and versioned with <c>anthropic-version</c>. See README.md.</summary>
internal sealed class AnthropicAdapter : IProviderAdapter
{
    /// <summary>The API version sent when the channel does not set one.</summary>
    public const string DefaultApiVersion = "2023-06-01";

    /// <inheritdoc/>
    public string Name => "anthropic";

    /// <inheritdoc/>
    public WireProtocol Protocol => WireProtocol.Anthropic;

    /// <inheritdoc/>
    public RelayError? CheckSupported(ChatRequest request) => AnthropicRequestEncoder.CheckSupported(request);

    /// <inheritdoc/>
    public HttpRequestMessage CreateChatRequest(ChannelSettings channel, string upstreamModel, ChatRequest request)
    {
        var message = NewRequest(channel, "/v1/messages", request.Stream);
        message.Content = PooledJsonContent.Create((request, upstreamModel), static (s, w) => AnthropicRequestEncoder.Write(s.request, s.upstreamModel, w));
        return message;
    }

    /// <summary>An Anthropic client body needs no change beyond the model for an Anthropic upstream.</summary>
    public bool SupportsRawForwarding(ChatRequest request) => request.SourceProtocol == WireProtocol.Anthropic;

    /// <inheritdoc/>
    public HttpRequestMessage CreateRawChatRequest(ChannelSettings channel, string upstreamModel, bool stream, HttpContent body)
    {
        var message = NewRequest(channel, "/v1/messages", stream);
        message.Content = body;
        return message;
    }

    /// <inheritdoc/>
    public IChatUpstreamDecoder CreateDecoder(ChannelSettings channel) => new AnthropicUpstreamDecoder();

    /// <summary>Reads <c>error.type</c> from <c>{"type":"error","error":{"type":…,"message":…}}</c>.</summary>
    public string? ReadErrorType(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("error"u8, out var error)
                && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("type"u8, out var type)
                && type.ValueKind == JsonValueKind.String
                ? type.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public HttpRequestMessage? CreateCountTokensRequest(ChannelSettings channel, string upstreamModel, ChatRequest request)
    {
        var message = NewRequest(channel, "/v1/messages/count_tokens", stream: false);
        message.Content = PooledJsonContent.Create((request, upstreamModel), static (s, w) => AnthropicRequestEncoder.WriteCountTokens(s.request, s.upstreamModel, w));
        return message;
    }

    /// <summary>Reads <c>input_tokens</c> from <c>{"input_tokens":N}</c>.</summary>
    public int? ReadCountTokens(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("input_tokens"u8, out var n)
                && n.ValueKind == JsonValueKind.Number
                && n.TryGetInt32(out int tokens)
                ? tokens
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Anthropic has no embeddings API.</summary>
    public HttpRequestMessage? CreateEmbeddingsRequest(ChannelSettings channel, string upstreamModel, EmbeddingRequest request) => null;

    /// <summary>Anthropic has no embeddings API.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public EmbeddingResponse ReadEmbeddings(ReadOnlySpan<byte> body) =>
        throw new NotSupportedException("Anthropic has no embeddings API.");

    private static HttpRequestMessage NewRequest(ChannelSettings channel, string path, bool stream)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(channel.BaseUrl.AbsoluteUri.TrimEnd('/') + path));
        if (channel.ApiKey is not null)
        {
            message.Headers.TryAddWithoutValidation("x-api-key", channel.ApiKey);
        }

        message.Headers.TryAddWithoutValidation("anthropic-version", string.IsNullOrEmpty(channel.ApiVersion) ? DefaultApiVersion : channel.ApiVersion);
        message.Headers.TryAddWithoutValidation("accept", stream ? "text/event-stream" : "application/json");
        foreach (var (name, value) in channel.Headers)
        {
            // Channel headers win over the defaults above (a channel may pin its own anthropic-version or beta flags).
            message.Headers.Remove(name);
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return message;
    }
}
