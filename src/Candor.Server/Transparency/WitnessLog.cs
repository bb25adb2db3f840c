namespace Candor.Server.Transparency;

/// <summary>Log messages of witnessing and monitoring the transparency log (event ids 2510–2529). None carries entry
/// content: sizes, statuses and witness names only.</summary>
internal static partial class WitnessLog
{
    [LoggerMessage(2510, LogLevel.Warning, "Witness {Witness} did not cosign checkpoint {Size}: {Reason}")]
    public static partial void WitnessRefused(this ILogger logger, string witness, long size, string reason);

    [LoggerMessage(2511, LogLevel.Debug, "Checkpoint {Size} cosigned by {Count} of {Total} witnesses")]
    public static partial void CheckpointCosigned(this ILogger logger, long size, int count, int total);

    [LoggerMessage(2512, LogLevel.Error, "Witness {Witness} holds a checkpoint of size {Held}, beyond this log's {Size}: the log is behind what a witness cosigned")]
    public static partial void WitnessAhead(this ILogger logger, string witness, long held, long size);

    [LoggerMessage(2513, LogLevel.Information, "Witness listening: {Name}, cosignature key {VerifierKey}, {Logs} logs")]
    public static partial void WitnessStarted(this ILogger logger, string name, string verifierKey, int logs);
}
