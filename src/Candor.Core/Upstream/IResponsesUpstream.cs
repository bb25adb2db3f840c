using Candor.Core.Configuration;
using Candor.Protocols.Codecs;

namespace Candor.Core.Upstream;

/// <summary>An upstream that also serves OpenAI's Responses API (<c>POST {BaseUrl}/responses</c>) and keeps its state
/// (<c>store</c>, <c>previous_response_id</c>, <c>item_reference</c>): a Responses request reaches it on the same-wire
/// path, the client's bytes with only the model replaced. Implemented by an <see cref="IProviderAdapter"/> next to its
/// chat wire.</summary>
internal interface IResponsesUpstream
{
    /// <summary>Builds the upstream request around the client's Responses body.</summary>
    HttpRequestMessage CreateRawResponsesRequest(ChannelSettings channel, bool stream, HttpContent body);

    /// <summary>A decoder for one Responses answer (metering, receipts, the stream's end).</summary>
    IChatUpstreamDecoder CreateResponsesDecoder();
}
