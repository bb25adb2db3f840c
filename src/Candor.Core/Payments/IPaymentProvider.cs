namespace Candor.Core.Payments;

/// <summary>An online payment service that sells prepaid credit: it opens a hosted checkout for an account and an
/// amount, tells what happened through signed webhooks, and refunds. A provider only talks to its service and reads
/// its webhooks; what a webhook does to a balance is decided in one place, <see cref="IPaymentStore.ApplyAsync"/>, for
/// every provider, so a second provider is one more implementation of this interface and nothing else (docs/business.md,
/// "Payments").</summary>
internal interface IPaymentProvider
{
    /// <summary>The provider's name: the <c>provider</c> of its payments and events, and its webhook path
    /// <c>/webhooks/{name}</c>. Lower case, stable.</summary>
    string Name { get; }

    /// <summary>Opens a hosted checkout for the payment. Failures (the service refused, was unreachable) are values.</summary>
    Task<CheckoutResult> CreateCheckoutAsync(CheckoutRequest request, CancellationToken cancellationToken);

    /// <summary>Verifies a webhook delivery (its signature over the exact body, its age) and reads what it reports.
    /// <paramref name="header"/> looks a request header up by name. A delivery that fails verification is
    /// <see cref="WebhookResult.Rejected"/> and must change nothing.</summary>
    WebhookResult ReadWebhook(string body, Func<string, string?> header);

    /// <summary>Asks the service to refund <paramref name="amountMicros"/> of a paid payment. The balance is not
    /// changed here: the service's refund webhook records it, once, like refunds made in the service's own dashboard.</summary>
    Task<RefundResult> RefundAsync(Payment payment, long amountMicros, CancellationToken cancellationToken);
}
