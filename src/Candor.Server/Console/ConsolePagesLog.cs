namespace Candor.Server.WebConsole;

/// <summary>Log messages of the console's money pages and shared limits (event ids 3340–3359). Account ids and
/// numbers only: no principal, code or key.</summary>
internal static partial class ConsolePagesLog
{
    [LoggerMessage(3340, LogLevel.Warning, "Checkout refused for account {AccountId} for {RetryAfterSeconds} s: too many checkouts opened")]
    public static partial void CheckoutThrottled(this ILogger logger, string accountId, int retryAfterSeconds);
}
