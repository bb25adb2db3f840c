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

    /// <summary><paramref name="error"/> with the status this surface answers for it (<see cref="SurfaceStatus"/>: an upstream
    /// failure in the surface's own vocabulary, whatever wire the upstream spoke).</summary>
    public RelayError Localize(RelayError error) => SurfaceStatus.For(Protocol, error);

    public void WriteError(RelayError error, IBufferWriter<byte> output) => writeError(Localize(error), output);
}
