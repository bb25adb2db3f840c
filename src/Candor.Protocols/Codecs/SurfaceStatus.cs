using Candor.Protocols.Canonical;

namespace Candor.Protocols.Codecs;

/// <summary>The HTTP status a client surface answers for an upstream failure, in that surface's own vocabulary: the same
/// failure gets the same status whatever wire the upstream spoke. An overloaded upstream (Anthropic 529 or
/// <c>overloaded_error</c>, Gemini 503 <c>UNAVAILABLE</c>, an OpenAI-wire "overloaded" error) is 529 on the Anthropic
/// surface, which defines that code, and 503 on the OpenAI and Gemini surfaces, which do not (OpenAI's and Google's own
/// answer for an overloaded service). Candor's own refusals keep their status.</summary>
public static class SurfaceStatus
{
    /// <summary>Anthropic's status for an overloaded API.</summary>
    public const int AnthropicOverloaded = 529;

    /// <summary>The status <paramref name="surface"/> answers for <paramref name="error"/>.</summary>
    public static int Of(WireProtocol surface, RelayError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error.Stage != RelayStage.Upstream)
        {
            return error.StatusCode;
        }

        bool overloaded = error.Kind == RelayErrorKind.Overloaded || error.StatusCode == AnthropicOverloaded;
        return overloaded ? (surface == WireProtocol.Anthropic ? AnthropicOverloaded : 503) : error.StatusCode;
    }

    /// <summary><paramref name="error"/> with the status <paramref name="surface"/> answers for it.</summary>
    public static RelayError For(WireProtocol surface, RelayError error)
    {
        int status = Of(surface, error);
        return status == error.StatusCode ? error : error with { StatusCode = status };
    }
}
