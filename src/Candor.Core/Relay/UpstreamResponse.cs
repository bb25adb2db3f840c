namespace Candor.Core.Relay;

/// <summary>What <see cref="UpstreamCall.SendAsync"/> got: the response of a success status (the caller disposes it), or
/// the classified failure; <paramref name="Status"/> is the upstream's HTTP status when one arrived.</summary>
internal readonly record struct UpstreamResponse(HttpResponseMessage? Response, AttemptOutcome Failure, int? Status)
{
    /// <summary>The response and the failure, for callers that do not need the status.</summary>
    public void Deconstruct(out HttpResponseMessage? response, out AttemptOutcome failure)
    {
        response = Response;
        failure = Failure;
    }
}
