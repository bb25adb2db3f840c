namespace Candor.Transparency.Log;

/// <summary>Where and how the transparency log runs.</summary>
public sealed class TransparencyLogOptions
{
    /// <summary>The environment variable that may hold the log's signing key (<c>PRIVATE+KEY+…</c>) instead of the
    /// key file.</summary>
    public const string SigningKeyVariable = "CANDOR_LOG_KEY";

    /// <summary>The log's own directory (<c>&lt;data_dir&gt;/log</c>).</summary>
    public required string Directory { get; init; }

    /// <summary>The checkpoint origin line (<c>server.log_origin</c>).</summary>
    public required string Origin { get; init; }

    /// <summary>The promised longest time from a durable append to a checkpoint covering it
    /// (<c>server.log_max_merge_delay</c>, default 1 s). The sequencer integrates every quarter of it.</summary>
    public TimeSpan MaxMergeDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A signing key given from outside (the <see cref="SigningKeyVariable"/> variable); null to use (or
    /// create) <c>signing.key</c> in <see cref="Directory"/>.</summary>
    public string? SigningKey { get; init; }

    /// <summary>Where the last signed checkpoint is kept apart from the log directory (<c>&lt;data_dir&gt;/log.checkpoint</c>),
    /// so that a log wiped, rolled back or rebuilt refuses to open (<see cref="CheckpointAnchor"/>); null keeps none.</summary>
    public string? AnchorFile { get; init; }

    /// <summary>How often the whole tree is checked again in the background (every tile at every level and every entry
    /// bundle; it is always checked on open); <see cref="TimeSpan.Zero"/> turns the background check off.</summary>
    public TimeSpan AuditInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The clock (tests substitute their own).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
