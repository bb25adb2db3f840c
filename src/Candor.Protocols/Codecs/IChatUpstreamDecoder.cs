using Candor.Protocols.Canonical;
using Candor.Protocols.Sse;

namespace Candor.Protocols.Codecs;

/// <summary>Turns one upstream response (in one provider wire) into canonical events. Instances are per
/// response and may keep state (tool-call indexes, partial usage).</summary>
public interface IChatUpstreamDecoder
{
    /// <summary>Streaming: decodes one SSE event, appending canonical events to <paramref name="output"/>.
    /// Returns false when the event ends the stream (OpenAI <c>[DONE]</c>, Anthropic message_stop).</summary>
    /// <exception cref="System.Text.Json.JsonException">The event is not valid for the protocol.</exception>
    bool DecodeStreamEvent(in SseEvent ev, List<ChatEvent> output);

    /// <summary>Non-streamed: decodes a whole JSON response body.</summary>
    /// <exception cref="System.Text.Json.JsonException">The body is not valid for the protocol.</exception>
    void DecodeResponse(ReadOnlySpan<byte> json, List<ChatEvent> output);
}
