using Candor.Core.Relay;
using Candor.Protocols.Canonical;

namespace Candor.Core.Privacy.Redaction;

/// <summary>The outbound privacy stage of the request path: after admission, before routing. Applies the
/// request's redaction policy to every text it carries, records the result on the <see cref="RelayContext"/>
/// and in the response headers, and refuses a request that carries a blocked entity type.</summary>
internal static class RedactionStage
{
    /// <summary>Redacts a chat request in place; returns the error to answer when a blocked type was found.</summary>
    public static RelayError? Apply(RelayContext context, ChatRequest request) =>
        Run(context, static (r, req) => RequestRedaction.Apply(req, r), request);

    /// <summary>Redacts an embeddings request in place; returns the error to answer when a blocked type was found.</summary>
    public static RelayError? Apply(RelayContext context, EmbeddingRequest request) =>
        Run(context, static (r, req) => RequestRedaction.Apply(req, r), request);

    /// <summary>The error of a request that carries a blocked entity type: it names the type, never the value.</summary>
    public static RelayError Blocked(string entityType) =>
        new(RelayStage.Privacy, RelayErrorKind.InvalidRequest, 400,
            $"The request contains data of type '{entityType}', which the privacy policy of this key blocks; nothing was sent upstream.")
        { Code = "privacy_blocked" };

    private static RelayError? Run<T>(RelayContext context, Action<Redactor, T> apply, T request)
    {
        var policy = context.Privacy.Redaction;
        var redactor = new Redactor(policy);
        if (!redactor.Active)
        {
            return null;
        }

        // The privacy admission wrote the routing and retention parts of the policy header; redaction appends its own.
        string redaction = RedactionPolicies.Describe(policy);
        string? admitted = context.PrivacyPolicyHeader;
        context.PrivacyPolicyHeader = string.IsNullOrEmpty(admitted) ? redaction : admitted + "; " + redaction;
        context.SetHeader(RelayHeaders.PrivacyPolicy, context.PrivacyPolicyHeader);

        apply(redactor, request);
        context.Redactions = redactor;
        if (redactor.Total > 0)
        {
            context.SetHeader(RelayHeaders.Redactions, redactor.CountsHeader());
        }

        return redactor.Blocked is { } type ? Blocked(type) : null;
    }
}
