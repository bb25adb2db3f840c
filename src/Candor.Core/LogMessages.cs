using Microsoft.Extensions.Logging;

namespace Candor.Core;

/// <summary>The relay's log messages, with stable event ids (the other areas keep theirs beside their code:
/// ReceiptLogMessages, HealthEvents, AuditLog, StoreLogMessages, OperationsLog, Transparency's LogMessages; ids are
/// unique across all of them). None carries user content or secrets: only ids, names, counts, statuses and durations.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(1000, LogLevel.Information, "Request {RequestId} {Surface} model={Model} channel={Channel} path={Path} status={Status} attempts={Attempts} ms={Milliseconds}")]
    public static partial void RequestCompleted(this ILogger logger, string requestId, string surface, string model, string channel, string path, int status, int attempts, long milliseconds);

    [LoggerMessage(1001, LogLevel.Warning, "Request {RequestId}: attempt {Attempt} on channel {Channel} failed at stage {Stage}: {Kind} (upstream status {UpstreamStatus})")]
    public static partial void AttemptFailed(this ILogger logger, string requestId, int attempt, string channel, string stage, string kind, int upstreamStatus);

    [LoggerMessage(1002, LogLevel.Warning, "Request {RequestId}: stream from channel {Channel} ended with {Kind} after it began")]
    public static partial void StreamBroken(this ILogger logger, string requestId, string channel, string kind);

    [LoggerMessage(1003, LogLevel.Debug, "Request {RequestId}: client went away")]
    public static partial void ClientGone(this ILogger logger, string requestId);

    [LoggerMessage(1100, LogLevel.Information, "Configuration reloaded from {Path}: {Channels} channels, {Models} models")]
    public static partial void ConfigReloaded(this ILogger logger, string path, int channels, int models);

    [LoggerMessage(1101, LogLevel.Error, "Configuration reload rejected; the previous configuration keeps serving: {Reason}")]
    public static partial void ConfigReloadRejected(this ILogger logger, string reason);

    [LoggerMessage(2150, LogLevel.Error, "Configuration error: {Error}")]
    public static partial void ConfigError(this ILogger logger, string error);

    [LoggerMessage(1200, LogLevel.Error, "Request {RequestId}: the usage record could not be written ({Error}); the charge is not recorded")]
    public static partial void SettlementFailed(this ILogger logger, string requestId, string error);

    [LoggerMessage(1201, LogLevel.Warning, "Request {RequestId}: channel {Channel} reported usage outside the tolerance (input {InputDifference:+#;-#;0}, output {OutputDifference:+#;-#;0} tokens against Candor's count)")]
    public static partial void MeteringDiscrepancy(this ILogger logger, string requestId, string channel, long inputDifference, long outputDifference);

    [LoggerMessage(1202, LogLevel.Warning, "Key cache or balance refresh failed: {Error}")]
    public static partial void RefreshFailed(this ILogger logger, string error);

    [LoggerMessage(1300, LogLevel.Information, "Channels rebuilt at version {Version}: {Stored} stored channels routed, {Inactive} not routed")]
    public static partial void ChannelsRebuilt(this ILogger logger, long version, int stored, int inactive);

    [LoggerMessage(1301, LogLevel.Warning, "Stored channel {Channel} is not routed: {Reason}")]
    public static partial void StoredChannelInactive(this ILogger logger, string channel, string reason);

    [LoggerMessage(1302, LogLevel.Warning, "Stored channels could not be read; the previous snapshot keeps serving: {Error}")]
    public static partial void ChannelRefreshFailed(this ILogger logger, string error);

    [LoggerMessage(1303, LogLevel.Information, "Channel {Channel} {Change} through the admin API")]
    public static partial void ChannelChanged(this ILogger logger, string channel, string change);

    [LoggerMessage(1304, LogLevel.Information, "Channel {Channel} tested: ok={Ok} status={Status} class={ErrorClass} ms={Milliseconds}")]
    public static partial void ChannelTested(this ILogger logger, string channel, bool ok, int status, string errorClass, long milliseconds);

    [LoggerMessage(1400, LogLevel.Information, "Health probe of channel {Channel} model {UpstreamModel}: {Verdict}")]
    public static partial void ProbeResult(this ILogger logger, string channel, string upstreamModel, string verdict);

    [LoggerMessage(1500, LogLevel.Warning, "Request {RequestId}: the history queue is full; the entry is not kept")]
    public static partial void HistoryDropped(this ILogger logger, string requestId);

    [LoggerMessage(1501, LogLevel.Error, "History: a batch of {Count} entries could not be written ({Error})")]
    public static partial void HistoryWriteFailed(this ILogger logger, int count, string error);

    [LoggerMessage(1502, LogLevel.Warning, "History: purging expired entries failed ({Error})")]
    public static partial void HistoryPurgeFailed(this ILogger logger, string error);

    [LoggerMessage(1503, LogLevel.Error, "Request {RequestId}: unhandled {ExceptionType} in {Path}; its message is not logged, as it may quote the request")]
    public static partial void UnhandledException(this ILogger logger, string requestId, string exceptionType, string path);

    [LoggerMessage(1950, LogLevel.Warning, "Admission: shedding at the limit of {Limit} {Resource} ({Refused} refused since the last report)")]
    public static partial void Shedding(this ILogger logger, string resource, long limit, long refused);

    [LoggerMessage(1951, LogLevel.Information, "Admission: request bodies peaked at {PeakBytes} bytes; heap {BeforeBytes} -> {AfterBytes} bytes after returning memory")]
    public static partial void BodyMemoryReturned(this ILogger logger, long peakBytes, long beforeBytes, long afterBytes);

    [LoggerMessage(1952, LogLevel.Debug, "Request {RequestId}: the request body was not received whole ({Status})")]
    public static partial void BodyIncomplete(this ILogger logger, string requestId, int status);

    [LoggerMessage(2470, LogLevel.Warning, "Request {RequestId}: its settlement found the request already recorded (recovery claimed it as interrupted); the answer is withheld")]
    public static partial void SettlementAlreadyRecorded(this ILogger logger, string requestId);
}
