namespace Candor.Core.Audit;

/// <summary>Where a target's audit state outlives the process (the data directory's database): the evidence
/// accumulated over rounds (<see cref="SequentialEvidence"/>), the tests a round left suspect and the round number,
/// so that a restart does not give a cheating channel a fresh start. Written once per round, off the request path.</summary>
internal interface IAuditEvidenceStore
{
    /// <summary>Every stored target state.</summary>
    Task<IReadOnlyList<AuditEvidenceRecord>> ListEvidenceAsync(CancellationToken cancellationToken);

    /// <summary>Stores (or replaces) a target's state.</summary>
    Task SaveEvidenceAsync(AuditEvidenceRecord record, CancellationToken cancellationToken);

    /// <summary>Forgets every target state of a channel (an operator lifted its quarantine).</summary>
    Task DeleteEvidenceAsync(string channelId, CancellationToken cancellationToken);
}

/// <summary>One target's stored audit state.</summary>
/// <param name="Target">The target's key (channel id, a line feed, the audited model).</param>
/// <param name="ChannelId">The audited channel.</param>
/// <param name="Round">The last round run.</param>
/// <param name="Suspects">The tests the last round left suspect, comma-separated.</param>
/// <param name="Evidence">The evidence as <see cref="SequentialEvidence.Export"/> writes it.</param>
/// <param name="UpdatedAt">When it was stored.</param>
internal sealed record AuditEvidenceRecord(string Target, string ChannelId, long Round, string Suspects, string Evidence, DateTimeOffset UpdatedAt);
