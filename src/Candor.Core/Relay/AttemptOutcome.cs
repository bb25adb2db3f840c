using Candor.Protocols.Canonical;

namespace Candor.Core.Relay;

/// <summary>How one upstream attempt ended: answered (the client got a response, good or bad), or failed
/// before the first byte with an error that may be retried on another deployment.</summary>
internal readonly record struct AttemptOutcome(bool Answered, RelayError? Error, bool Retryable)
{
    public static AttemptOutcome Done => new(true, null, false);

    public static AttemptOutcome Failed(RelayError error, bool retryable) => new(false, error, retryable);
}
