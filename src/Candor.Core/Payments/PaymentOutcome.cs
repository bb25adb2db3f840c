namespace Candor.Core.Payments;

/// <summary>What applying one verified event did. Every outcome but an exception answers the webhook with 200, so the
/// provider stops retrying; only <see cref="Credited"/> and <see cref="Refunded"/> changed a balance.</summary>
internal enum PaymentOutcome
{
    /// <summary>The payment's amount was credited (one top-up ledger entry).</summary>
    Credited,

    /// <summary>A refund was debited (one adjustment ledger entry of minus what is new).</summary>
    Refunded,

    /// <summary>This event id was applied before: nothing changed.</summary>
    Replayed,

    /// <summary>The payment was already credited under another event: nothing changed.</summary>
    AlreadyCredited,

    /// <summary>The refunded total is not above what is already recorded: nothing changed.</summary>
    NothingNewRefunded,

    /// <summary>No payment of this provider matches (a checkout Candor did not open): nothing changed.</summary>
    UnknownPayment,

    /// <summary>The paid amount or checkout differs from the payment Candor opened, or a refund exceeds it: nothing changed.</summary>
    Mismatch,

    /// <summary>Nothing to do for this event.</summary>
    Ignored,
}

