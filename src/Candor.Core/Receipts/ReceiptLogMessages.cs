using Microsoft.Extensions.Logging;

namespace Candor.Core.Receipts;

/// <summary>Log messages of receipts and audits (event ids 1700–1799, and 2200–2249). Ids, names and counts only.</summary>
internal static partial class ReceiptLogMessages
{
    [LoggerMessage(1700, LogLevel.Warning, "Audit: request {RequestId} on channel {Channel} raised {Flag} (receipt {ReceiptId})")]
    public static partial void AuditFlagRaised(this ILogger logger, string requestId, string channel, string flag, string receiptId);

    [LoggerMessage(1701, LogLevel.Error, "Receipt {ReceiptId} could not be stored ({Error})")]
    public static partial void ReceiptStoreFailed(this ILogger logger, string receiptId, string error);

    [LoggerMessage(1702, LogLevel.Error, "Receipt {ReceiptId} could not be appended to the transparency log ({Error}); it is retried at the next start")]
    public static partial void LogAppendFailed(this ILogger logger, string receiptId, string error);

    [LoggerMessage(1703, LogLevel.Information, "Appending {Count} stored receipts that had not reached the transparency log")]
    public static partial void LogBacklog(this ILogger logger, int count);

    [LoggerMessage(2200, LogLevel.Warning, "Receipt {ReceiptId} of request {RequestId} was not stored: the settlement write it is part of failed; the request's admission record stays for recovery")]
    public static partial void ReceiptNotStoredWithSettlement(this ILogger logger, string receiptId, string requestId);
}
