namespace Candor.Core.Privacy;

/// <summary>What Candor itself may keep of what users send and receive (<c>privacy.retention</c>). There is no
/// setting that keeps content in clear: the least private mode still keeps only what an account asked for, and
/// only encrypted under that account's data key.</summary>
internal enum RetentionMode
{
    /// <summary><c>none</c> (the default): no prompt, completion, tool argument, image or embedding input is written
    /// anywhere (disk, database, logs, metrics); history cannot be turned on.</summary>
    None,

    /// <summary><c>account_history</c>: as <see cref="None"/>, except that an account may opt in to keep its own
    /// requests and responses, encrypted (AES-256-GCM) under a per-account data key sealed by the master key.</summary>
    AccountHistory,
}
