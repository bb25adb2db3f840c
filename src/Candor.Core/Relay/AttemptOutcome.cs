using Candor.Core.Routing;
using Candor.Protocols.Canonical;

namespace Candor.Core.Relay;

/// <summary>How one upstream attempt ended: answered (the client got a response, good or bad), or failed
/// before the first byte with an error that may be retried on another deployment.</summary>
internal readonly record struct AttemptOutcome(bool Answered, RelayError? Error, bool Retryable, UpstreamFailure Failure = UpstreamFailure.None)
{
    public static AttemptOutcome Done => new(true, null, false);

    /// <summary>A failure classified by its error (no upstream status at hand).</summary>
    public static AttemptOutcome Failed(RelayError error, bool retryable) => new(false, error, retryable, FailureClassifier.FromError(error));

    /// <summary>A failure of a known class; retryable as the class says.</summary>
    public static AttemptOutcome Failed(RelayError error, UpstreamFailure failure) => new(false, error, FailureClassifier.IsRetryable(failure), failure);
}
