using System.Buffers;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Core.Relay;

/// <summary>A client-facing dialect as the relay sees it: how to encode answers and errors for it.</summary>
internal sealed class Surface(
    WireProtocol protocol,
    Func<ChatRequest, IChatClientEncoder> createEncoder,
    Action<RelayError, IBufferWriter<byte>> writeError)
{
    public WireProtocol Protocol { get; } = protocol;

    public IChatClientEncoder CreateEncoder(ChatRequest request) => createEncoder(request);

    public void WriteError(RelayError error, IBufferWriter<byte> output) => writeError(error, output);
}
