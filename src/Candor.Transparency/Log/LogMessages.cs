using Microsoft.Extensions.Logging;

namespace Candor.Transparency.Log;

/// <summary>The transparency log's messages, with stable event ids (3000–3099, and 2500–2599 for its checks of the whole tree). None carries entry content.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(3000, LogLevel.Information, "Transparency log {Origin} opened at size {Size}; {Pending} journaled entries integrated on recovery")]
    public static partial void LogOpened(this ILogger logger, string origin, long size, long pending);

    [LoggerMessage(3001, LogLevel.Error, "Transparency log integration failed ({Error}); {Pending} entries wait for the next attempt")]
    public static partial void IntegrationFailed(this ILogger logger, string error, int pending);

    [LoggerMessage(3002, LogLevel.Warning, "Transparency log: an entry waited {Milliseconds} ms for a checkpoint, beyond the promised maximum merge delay of {Promised} ms")]
    public static partial void MergeDelayExceeded(this ILogger logger, long milliseconds, long promised);

    [LoggerMessage(2500, LogLevel.Error, "Transparency log file {Path} does not hold the signed tree ({Problem}); it is not served until it is restored from a backup")]
    public static partial void TreeDamaged(this ILogger logger, string path, string problem);

    [LoggerMessage(2501, LogLevel.Information, "Transparency log files whole again at size {Size}")]
    public static partial void TreeWhole(this ILogger logger, long size);

    [LoggerMessage(2502, LogLevel.Error, "Transparency log check of the whole tree could not run ({Error})")]
    public static partial void AuditFailed(this ILogger logger, string error);

    [LoggerMessage(3003, LogLevel.Debug, "Transparency log checkpoint published at size {Size} ({Batch} new entries)")]
    public static partial void CheckpointPublished(this ILogger logger, long size, int batch);
}
