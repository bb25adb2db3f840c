namespace Candor.Core.Payments;

/// <summary>What opening a checkout gave: the provider's session id and the page the payer opens, or why it failed.</summary>
internal sealed record CheckoutResult
{
    /// <summary>The provider's checkout id (Stripe: <c>cs_…</c>); null when it failed.</summary>
    public string? SessionId { get; init; }

    /// <summary>The hosted payment page; null when it failed.</summary>
    public string? Url { get; init; }

    /// <summary>Why it failed (the provider's message, never a secret); null when it succeeded.</summary>
    public string? Error { get; init; }

    public static CheckoutResult Opened(string sessionId, string url) => new() { SessionId = sessionId, Url = url };

    public static CheckoutResult Failed(string error) => new() { Error = error };
}
