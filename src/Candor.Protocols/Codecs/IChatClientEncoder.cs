using System.Buffers;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.Codecs;

/// <summary>Turns canonical events into one surface's wire for one response. Instances are per request
/// and may keep state (block indexes, ids, what was already announced).</summary>
public interface IChatClientEncoder
{
    /// <summary>Streaming: writes the SSE frames for one event (zero or more frames).</summary>
    void WriteStreamEvent(ChatEvent ev, IBufferWriter<byte> output);

    /// <summary>Streaming: writes the frames that close a successful stream (OpenAI's usage chunk when
    /// asked for and <c>[DONE]</c>; Anthropic's closing message_delta and message_stop).</summary>
    void WriteStreamEnd(IBufferWriter<byte> output);

    /// <summary>Streaming: writes the protocol's error event for a failure after the first byte.</summary>
    void WriteStreamError(RelayError error, IBufferWriter<byte> output);

    /// <summary>Non-streamed: writes the whole JSON response.</summary>
    void WriteResponse(ChatResponse response, IBufferWriter<byte> output);
}
