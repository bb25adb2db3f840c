using Candor.Core.Configuration;
using Candor.Core.Upstream;
using Candor.Protocols.Codecs;
using Candor.Protocols.OpenAI;

namespace Candor.Providers.OpenAI;

/// <summary>OpenAI with its Responses API (<c>provider: openai-responses</c>): chat completions, embeddings and
/// translated requests as <see cref="OpenAIAdapter"/>, and a request to Candor's <c>POST /v1/responses</c> relayed to
/// <c>{BaseUrl}/responses</c> as the client sent it (model replaced). The upstream keeps the state it is asked to keep,
/// so <c>store: true</c>, <c>previous_response_id</c> and <c>item_reference</c> are served here and nowhere else.</summary>
internal sealed class OpenAIResponsesAdapter : OpenAIAdapter, IResponsesUpstream
{
    /// <inheritdoc/>
    public override string Name => "openai-responses";

    /// <inheritdoc/>
    public HttpRequestMessage CreateRawResponsesRequest(ChannelSettings channel, bool stream, HttpContent body) =>
        Build(channel, channel.UriUnder("responses"), body, stream);

    /// <inheritdoc/>
    public IChatUpstreamDecoder CreateResponsesDecoder() => new ResponsesUpstreamDecoder();
}
