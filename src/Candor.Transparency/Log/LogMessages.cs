using Microsoft.Extensions.Logging;

namespace Candor.Transparency.Log;

/// <summary>The transparency log's messages, with stable event ids (3000–3099). None carries entry content.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(3000, LogLevel.Information, "Transparency log {Origin} opened at size {Size}; {Pending} journaled entries integrated on recovery")]
    public static partial void LogOpened(this ILogger logger, string origin, long size, long pending);

    [LoggerMessage(3001, LogLevel.Error, "Transparency log integration failed ({Error}); {Pending} entries wait for the next attempt")]
    public static partial void IntegrationFailed(this ILogger logger, string error, int pending);

    [LoggerMessage(3002, LogLevel.Warning, "Transparency log: an entry waited {Milliseconds} ms for a checkpoint, beyond the promised maximum merge delay of {Promised} ms")]
    public static partial void MergeDelayExceeded(this ILogger logger, long milliseconds, long promised);

    [LoggerMessage(3003, LogLevel.Debug, "Transparency log checkpoint published at size {Size} ({Batch} new entries)")]
    public static partial void CheckpointPublished(this ILogger logger, long size, int batch);
}
