using System.Buffers;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Core.Relay;

/// <summary>A client-facing dialect as the relay sees it: how to encode answers and errors for it.</summary>
/// <param name="protocol">The wire family (errors, choice parameter, and the fast path's same-wire test).</param>
/// <param name="createEncoder">The answer's encoder for one request.</param>
/// <param name="writeError">The error envelope.</param>
/// <param name="forwardsRawBody">False for a dialect whose body is not its wire family's chat body (OpenAI's legacy
/// completions): the relay never sends the client's bytes as they are as a chat body.</param>
/// <param name="legacyCompletions">OpenAI's legacy completions (<c>/v1/completions</c>): passed through to an upstream that
/// serves that endpoint itself (<c>Core/Upstream/ICompletionsUpstream</c>), translated to chat elsewhere.</param>
/// <param name="encoderReadsPrompt">Whether the encoder reads the request's messages after the commit (Anthropic's
/// message_start reports Candor's prompt count): then the prompt's text is kept for the whole answer.</param>
internal sealed class Surface(
    WireProtocol protocol,
    Func<ChatRequest, IChatClientEncoder> createEncoder,
    Action<RelayError, IBufferWriter<byte>> writeError,
    bool forwardsRawBody = true,
    bool legacyCompletions = false,
    bool encoderReadsPrompt = false)
{
    public WireProtocol Protocol { get; } = protocol;

    /// <summary>Whether the client's body is a chat body of <see cref="Protocol"/>, which the fast path may forward.</summary>
    public bool ForwardsRawBody { get; } = forwardsRawBody;

    /// <summary>Whether this is OpenAI's legacy completions surface (its body is a <c>/completions</c> body).</summary>
    public bool LegacyCompletions { get; } = legacyCompletions;

    /// <summary>Whether this surface's encoder reads the request's messages after the commit.</summary>
    public bool EncoderReadsPrompt { get; } = encoderReadsPrompt;

    public IChatClientEncoder CreateEncoder(ChatRequest request) => createEncoder(request);

    /// <summary><paramref name="error"/> with the status this surface answers for it (<see cref="SurfaceStatus"/>: an upstream
    /// failure in the surface's own vocabulary, whatever wire the upstream spoke).</summary>
    public RelayError Localize(RelayError error) => SurfaceStatus.For(Protocol, error);

    public void WriteError(RelayError error, IBufferWriter<byte> output) => writeError(Localize(error), output);
}
