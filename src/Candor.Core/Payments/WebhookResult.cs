namespace Candor.Core.Payments;

/// <summary>A verified webhook's event, or why the delivery is refused (bad or missing signature, too old, not an event).</summary>
internal sealed record WebhookResult
{
    /// <summary>The event, when the delivery verified.</summary>
    public PaymentEvent? Event { get; init; }

    /// <summary>Why the delivery is refused (answered with 400; nothing changes).</summary>
    public string? Rejection { get; init; }

    public static WebhookResult Verified(PaymentEvent paymentEvent) => new() { Event = paymentEvent };

    public static WebhookResult Rejected(string reason) => new() { Rejection = reason };
}
