namespace Candor.Transparency.Log;

/// <summary>One durable entry of the journal: its leaf index, bytes, leaf hash, and when it became durable.</summary>
internal sealed record JournalRecord(long Index, byte[] Data, byte[] LeafHash, long DurableTimestamp);
