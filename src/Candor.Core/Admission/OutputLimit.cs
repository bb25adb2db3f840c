using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Core.Admission;

/// <summary>The output tokens (per choice) a chat request can be billed for on one deployment, which is what its reservation
/// covers: the client's own limit; else the limit the deployment's wire encoder sends on its own (Anthropic requires
/// max_tokens and adds room for a thinking budget: <see cref="WireProfile.SentOutputLimit"/>); else
/// <c>server.default_max_output_tokens</c> (docs/billing.md).</summary>
internal static class OutputLimit
{
    /// <param name="request">The request as billing estimates it.</param>
    /// <param name="wire">The deployment's upstream wire; null when unknown (the default applies).</param>
    /// <param name="defaultMax">The server's default for a request without a limit.</param>
    public static int PerChoice(ChatRequest request, WireProtocol? wire, int defaultMax)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.MaxOutputTokens is int own && own > 0)
        {
            return own;
        }

        return wire is { } w && WireProfile.For(w).SentOutputLimit(request) is int sent && sent > 0 ? sent : defaultMax;
    }
}
