using Microsoft.Extensions.Logging;

namespace Candor.Core.Admission;

/// <summary>Log messages of the durable store's health (event ids 1800–1849). Ids, operations and exception type
/// names only.</summary>
internal static partial class StoreLogMessages
{
    [LoggerMessage(1800, LogLevel.Critical, "The store failed a durable write ({Operation}: {Error}): requests of stored keys are refused with 503 until it takes writes again")]
    public static partial void StoreFailing(this ILogger logger, string operation, string error);

    [LoggerMessage(1801, LogLevel.Warning, "The store takes durable writes again: requests of stored keys are admitted")]
    public static partial void StoreRecovered(this ILogger logger);

    [LoggerMessage(1802, LogLevel.Debug, "Store probe failed ({Error}); the store is still failing")]
    public static partial void StoreProbeFailed(this ILogger logger, string error);
}
