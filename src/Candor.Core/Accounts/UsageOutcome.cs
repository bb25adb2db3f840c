namespace Candor.Core.Accounts;

/// <summary>How a request ended, as far as billing is concerned.</summary>
internal enum UsageOutcome
{
    /// <summary>The client received the whole answer.</summary>
    Complete,

    /// <summary>The answer began but ended early (upstream cut, stream error).</summary>
    Partial,

    /// <summary>No answer was produced.</summary>
    Failed,

    /// <summary>The client went away.</summary>
    Cancelled,

    /// <summary>Candor stopped (a crash, kill -9) while the request was in flight: recorded at the next start from the
    /// request's admission record, with nothing charged (docs/fail-closed.md, "Crash").</summary>
    Interrupted,
}
