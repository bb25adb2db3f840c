namespace Candor.Core.Accounting;

/// <summary>How a relayed request ended, as far as billing cares.</summary>
internal enum StreamOutcome
{
    /// <summary>The upstream finished the answer (finish reason, end marker, or a whole non-streamed body).</summary>
    Completed,

    /// <summary>The client went away after the upstream accepted the request; the upstream call was cancelled.</summary>
    ClientDisconnected,

    /// <summary>The upstream failed after it accepted the request: cut connection, idle timeout, malformed or
    /// error event, a stream ending without its end marker.</summary>
    UpstreamFailed,

    /// <summary>The upstream never accepted the request: connect error, error status, failure (or client
    /// departure) before the first event. Nothing was generated.</summary>
    NotStarted,
}
