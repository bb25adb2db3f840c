using System.Globalization;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Core.Admission;

/// <summary>The choices a chat request asks for (OpenAI <c>n</c>, Gemini <c>generationConfig.candidateCount</c>):
/// each is generated, delivered and billed like a request of its own output, so the reservation covers all of
/// them and <c>server.max_choices</c> bounds them (docs/billing.md, "Several choices").</summary>
internal static class ChoiceLimit
{
    /// <summary>The number of choices <paramref name="request"/> asks for: 1 when it does not say.</summary>
    public static int Of(ChatRequest request) => request.N is { } n && n > 1 ? n : 1;

    /// <summary>Refuses (400, in the surface's terms) a choice count below 1 or above <paramref name="max"/>; null when allowed.</summary>
    public static RelayError? Check(ChatRequest request, int max, WireProtocol surface)
    {
        if (request.N is not { } n || (n >= 1 && n <= max))
        {
            return null;
        }

        string param = WireProfile.For(surface).ChoiceParameter;
        return RelayError.BadRequest(
            n < 1 ? $"'{param}' must be at least 1."
            : $"'{param}' is {n.ToString(CultureInfo.InvariantCulture)}; this server allows at most {max.ToString(CultureInfo.InvariantCulture)} choices per request.",
            param);
    }
}
