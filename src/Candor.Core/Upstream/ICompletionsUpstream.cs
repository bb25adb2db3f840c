using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Candor.Core.Configuration;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Core.Upstream;

/// <summary>An upstream of the OpenAI wire that may also serve OpenAI's legacy completions (<c>POST {BaseUrl}/completions</c>:
/// OpenAI for its completions models, vLLM, Ollama's OpenAI-compatible endpoint). A client's <c>/v1/completions</c>
/// request reaches it as the client sent it, only the model replaced, when <see cref="ServesCompletions"/> says so;
/// elsewhere it is translated to chat. Implemented by an <see cref="IProviderAdapter"/> next to its chat wire.</summary>
internal interface ICompletionsUpstream
{
    /// <summary>Whether <paramref name="channel"/> serves legacy completions for <paramref name="upstreamModel"/>: the
    /// channel's own <see cref="ChannelSettings.LegacyCompletions"/> when set, else the provider's capability.</summary>
    bool ServesCompletions(ChannelSettings channel, string upstreamModel);

    /// <summary>Builds the upstream request around a legacy completions body.</summary>
    HttpRequestMessage CreateRawCompletionsRequest(ChannelSettings channel, string upstreamModel, bool stream, HttpContent body);

    /// <summary>Writes the completions body for a request whose texts the redaction stage changed: the client's body
    /// (<paramref name="clientBody"/>) with the model replaced and the redacted texts of <paramref name="redacted"/>.</summary>
    void WriteRedactedCompletionsBody(ReadOnlySpan<byte> clientBody, string upstreamModel, ChatRequest redacted, IBufferWriter<byte> output);

    /// <summary>Decodes a completions body as it was forwarded, for the parameter-integrity audit; false when it does not decode.</summary>
    bool TryDecodeCompletionsRequest(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out ChatRequest? request);

    /// <summary>A decoder for one legacy completions answer (metering, receipts, the stream's end).</summary>
    IChatUpstreamDecoder CreateCompletionsDecoder();
}
