namespace Candor.Core.Receipts;

/// <summary>How the request ended, as a receipt states it.</summary>
internal static class ReceiptOutcome
{
    /// <summary>The answer was delivered whole.</summary>
    public const string Complete = "complete";

    /// <summary>The upstream failed after the answer began; the client got an error event.</summary>
    public const string Partial = "partial";

    /// <summary>The client went away.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>No upstream answered; the client got an error response.</summary>
    public const string Failed = "failed";

    /// <summary>Admission refused the request (model not found, not allowed, rate limit, balance).</summary>
    public const string Refused = "refused";

    /// <summary>The process stopped (a crash, kill -9) before the request's settlement: sealed at the next start from
    /// the admission record, with nothing charged and the output delivered unknown (docs/fail-closed.md, "Crash").</summary>
    public const string Interrupted = "interrupted";
}
