namespace Candor.Core.Payments;

/// <summary>The stable lower-case names of <see cref="PaymentOutcome"/>: the webhook answer's <c>outcome</c> and the
/// <c>payment_events.outcome</c> column.</summary>
internal static class PaymentOutcomeNames
{
    public static string Name(this PaymentOutcome outcome) => outcome switch
    {
        PaymentOutcome.Credited => "credited",
        PaymentOutcome.Refunded => "refunded",
        PaymentOutcome.Replayed => "replayed",
        PaymentOutcome.AlreadyCredited => "already_credited",
        PaymentOutcome.NothingNewRefunded => "nothing_new_refunded",
        PaymentOutcome.UnknownPayment => "unknown_payment",
        PaymentOutcome.Mismatch => "mismatch",
        _ => "ignored",
    };
}
