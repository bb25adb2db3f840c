namespace Candor.Server.Transparency;

/// <summary>Log messages of the platform's shared transparency log (event ids 3280–3289). None carries entry content:
/// sizes, origins and error texts of the database only.</summary>
internal static partial class SharedLogMessages
{
    [LoggerMessage(3280, LogLevel.Information, "Shared transparency log {Origin}: this node is the sequencer, at size {Size}")]
    public static partial void SequencerAcquired(this ILogger logger, string origin, long size);

    [LoggerMessage(3281, LogLevel.Warning, "Shared transparency log: this node gave up the sequencer role ({Reason}); another node takes it over")]
    public static partial void SequencerLost(this ILogger logger, string reason);

    [LoggerMessage(3282, LogLevel.Error, "Shared transparency log: a pass failed ({Error}); the receipts stay queued in the database for the next pass")]
    public static partial void SharedLogFailed(this ILogger logger, string error);

    [LoggerMessage(3283, LogLevel.Error, "Shared transparency log: the stored tree at size {Size} is refused ({Problem}); this node keeps serving size {Served}")]
    public static partial void SharedTreeRefused(this ILogger logger, long size, string problem, long served);

    [LoggerMessage(3284, LogLevel.Debug, "Shared transparency log: checkpoint published at size {Size} ({Batch} new entries)")]
    public static partial void SharedCheckpointPublished(this ILogger logger, long size, int batch);

    [LoggerMessage(3285, LogLevel.Information, "Shared transparency log {Origin} opened at size {Size}")]
    public static partial void SharedLogOpened(this ILogger logger, string origin, long size);
}
