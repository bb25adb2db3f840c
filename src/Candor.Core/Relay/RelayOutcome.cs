using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Core.Receipts;

namespace Candor.Core.Relay;

/// <summary>The one mapping of how a request ended. The relay decides a <see cref="StreamOutcome"/> (what billing
/// settles); the receipt, the usage record and the history entry state the same end in their own words, taken from
/// here. <see cref="ReceiptOutcome.Refused"/> has no stream outcome: admission refused before anything was sent.</summary>
internal static class RelayOutcome
{
    /// <summary>The receipt's word for <paramref name="outcome"/> (also the history entry's).</summary>
    public static string Receipt(StreamOutcome outcome) => outcome switch
    {
        StreamOutcome.Completed => ReceiptOutcome.Complete,
        StreamOutcome.UpstreamFailed => ReceiptOutcome.Partial,
        StreamOutcome.ClientDisconnected => ReceiptOutcome.Cancelled,
        _ => ReceiptOutcome.Failed,
    };

    /// <summary>The usage record's outcome for <paramref name="outcome"/>.</summary>
    public static UsageOutcome Usage(StreamOutcome outcome) => outcome switch
    {
        StreamOutcome.Completed => UsageOutcome.Complete,
        StreamOutcome.ClientDisconnected => UsageOutcome.Cancelled,
        StreamOutcome.UpstreamFailed => UsageOutcome.Partial,
        _ => UsageOutcome.Failed,
    };

    /// <summary>How a request ended that did not settle on its own path (the client left, an exception, a refusal):
    /// nothing started unless an upstream accepted it; after that, cancelled when the client left, else the upstream
    /// failed.</summary>
    public static StreamOutcome Unsettled(RelayContext context) =>
        context.Meter is not { Accepted: true } ? StreamOutcome.NotStarted
        : context.Aborted.IsCancellationRequested ? StreamOutcome.ClientDisconnected
        : StreamOutcome.UpstreamFailed;

    /// <summary>The receipt outcome of a request that ended without a seal: cancelled when the client left, else the
    /// receipt's word for <see cref="Unsettled"/>.</summary>
    public static string Unsealed(RelayContext context) =>
        context.Aborted.IsCancellationRequested ? ReceiptOutcome.Cancelled : Receipt(Unsettled(context));
}
