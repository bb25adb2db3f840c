namespace Candor.Server.Hosting;

/// <summary>Log messages of the recovery of withheld requests (<see cref="WithheldRequests"/>), event ids 2471–2479. Counts
/// and exception type names only.</summary>
internal static partial class WithheldLog
{
    [LoggerMessage(2471, LogLevel.Warning, "Refunded {Count} request(s) whose settlement committed after their client was refused the answer (503 store_unavailable): each charge voided by a refund entry")]
    public static partial void LateSettlementsRefunded(this ILogger logger, int count);

    [LoggerMessage(2472, LogLevel.Warning, "Resolving withheld requests failed ({Error}); retried in {Seconds} s")]
    public static partial void WithheldResolutionFailed(this ILogger logger, string error, int seconds);
}
