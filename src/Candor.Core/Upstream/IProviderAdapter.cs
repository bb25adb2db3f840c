using Candor.Core.Configuration;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Core.Upstream;

/// <summary>A kind of upstream: how to address it, authenticate, encode a canonical request in its wire,
/// and decode its answers. Adapters are stateless singletons, looked up by <see cref="Name"/>.</summary>
internal interface IProviderAdapter
{
    /// <summary>The provider name used in configuration (lower case).</summary>
    string Name { get; }

    /// <summary>The wire protocol the upstream speaks.</summary>
    WireProtocol Protocol { get; }

    /// <summary>Returns an error when the request asks for something this provider cannot do (for example
    /// n &gt; 1 on a protocol without choices), else null. Called before any request is built.</summary>
    RelayError? CheckSupported(ChatRequest request);

    /// <summary>Builds the upstream chat request (URL, auth headers, body) from the canonical request.
    /// The request's <see cref="ChatRequest.Stream"/> says whether to ask for a stream.</summary>
    HttpRequestMessage CreateChatRequest(ChannelSettings channel, string upstreamModel, ChatRequest request);

    /// <summary>True when the client's raw body (same protocol) may be sent as it is, with only the model
    /// rewritten. False when this provider needs the body changed (vendor quirks).</summary>
    bool SupportsRawForwarding(ChatRequest request);

    /// <summary>Builds the upstream chat request around a raw body in this provider's own wire, for the
    /// fast path. For Gemini the model and stream mode travel in the URL.</summary>
    HttpRequestMessage CreateRawChatRequest(ChannelSettings channel, string upstreamModel, bool stream, HttpContent body);

    /// <summary>A decoder for one response of this provider.</summary>
    IChatUpstreamDecoder CreateDecoder(ChannelSettings channel);

    /// <summary>Reads the vendor's error type word from an error body (for classification only; the
    /// body itself never reaches the client or the logs), or null.</summary>
    string? ReadErrorType(ReadOnlySpan<byte> body);

    /// <summary>Builds a request to the upstream's own token counter, or null when it has none
    /// (then Candor estimates locally).</summary>
    HttpRequestMessage? CreateCountTokensRequest(ChannelSettings channel, string upstreamModel, ChatRequest request);

    /// <summary>Reads the token count from the counter's answer.</summary>
    int? ReadCountTokens(ReadOnlySpan<byte> body);

    /// <summary>Builds an embeddings request, or null when the provider has no embeddings.</summary>
    HttpRequestMessage? CreateEmbeddingsRequest(ChannelSettings channel, string upstreamModel, EmbeddingRequest request);

    /// <summary>Decodes an embeddings answer.</summary>
    EmbeddingResponse ReadEmbeddings(ReadOnlySpan<byte> body);

    /// <summary>Adds to <paramref name="declared"/> what this provider's encoder does to <paramref name="request"/> beyond its
    /// wire's own profile (<c>WireProfile</c>): a parameter the vendor has no field for, left out (<c>omitted</c>), or sent as
    /// the vendor's own switch (<c>mapped</c>), so that the parameter-integrity audit does not flag it. Nothing by default.</summary>
    void Declare(ChatRequest request, string upstreamModel, List<Receipts.Transformation> declared)
    {
    }

    /// <summary>Builds a request to one of the media endpoints (images, audio, rerank, moderations; docs/endpoints.md), or
    /// null when the provider has no such endpoint (the capability: the attempt fails with a 400 naming it).</summary>
    HttpRequestMessage? CreateMediaRequest(ChannelSettings channel, string upstreamModel, MediaRequest request) => null;
}
