using Microsoft.Extensions.Logging;

namespace Candor.Core.Receipts;

/// <summary>Log messages of receipts and audits (event ids 1300–1399). Ids, names and counts only.</summary>
internal static partial class ReceiptLogMessages
{
    [LoggerMessage(1300, LogLevel.Warning, "Audit: request {RequestId} on channel {Channel} raised {Flag} (receipt {ReceiptId})")]
    public static partial void AuditFlagRaised(this ILogger logger, string requestId, string channel, string flag, string receiptId);

    [LoggerMessage(1301, LogLevel.Error, "Receipt {ReceiptId} could not be stored ({Error})")]
    public static partial void ReceiptStoreFailed(this ILogger logger, string receiptId, string error);

    [LoggerMessage(1302, LogLevel.Error, "Receipt {ReceiptId} could not be appended to the transparency log ({Error}); it is retried at the next start")]
    public static partial void LogAppendFailed(this ILogger logger, string receiptId, string error);

    [LoggerMessage(1303, LogLevel.Information, "Appending {Count} stored receipts that had not reached the transparency log")]
    public static partial void LogBacklog(this ILogger logger, int count);
}
