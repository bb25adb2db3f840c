namespace Candor.Core.Transparency;

/// <summary>The append-only transparency log (RFC 6962 Merkle tree, published in the C2SP formats). Only
/// hashes and other non-personal bytes are appended, so erasing user data never breaks a proof.</summary>
internal interface ITransparencyLog
{
    /// <summary>The longest time between <see cref="AppendAsync"/> returning and the entry being covered by a
    /// published checkpoint. Receipts promise it.</summary>
    TimeSpan MaxMergeDelay { get; }

    /// <summary>The log's origin line (c2sp.org/tlog-checkpoint), for example <c>candor.example/log</c>.</summary>
    string Origin { get; }

    /// <summary>Durably queues <paramref name="entry"/> (the leaf data; the log hashes it as
    /// <c>SHA-256(0x00 || entry)</c>) and returns its leaf index. When the task completes the entry survives a
    /// crash; it is covered by a checkpoint within <see cref="MaxMergeDelay"/>.</summary>
    ValueTask<long> AppendAsync(ReadOnlyMemory<byte> entry, CancellationToken cancellationToken);

    /// <summary>True when the log takes the stored receipts from the store itself (the platform's log shared by several
    /// nodes sequences the receipts table): the receipt appender then leaves them to it.</summary>
    bool SequencesStoredReceipts => false;
}
