namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>audit_quarantines</c> (one row per quarantined channel; reason and test are
/// sentences for admins built from figures, never user content) and <c>audit_evidence</c> (one row per audit target:
/// its accumulated evidence, figures only).</summary>
internal static class AuditSql
{
    public const string SelectQuarantines = "SELECT channel_id, reason, test, since FROM audit_quarantines ORDER BY since, channel_id";

    public const string InsertQuarantine = """
        INSERT INTO audit_quarantines (channel_id, reason, test, since) VALUES (@channel_id, @reason, @test, @since)
        ON CONFLICT (channel_id) DO NOTHING
        """;

    public const string DeleteQuarantine = "DELETE FROM audit_quarantines WHERE channel_id = @channel_id";

    public const string SelectEvidence = "SELECT target, channel_id, round_number, suspects, evidence, updated_at FROM audit_evidence ORDER BY target";

    public const string UpsertEvidence = """
        INSERT INTO audit_evidence (target, channel_id, round_number, suspects, evidence, updated_at)
        VALUES (@target, @channel_id, @round_number, @suspects, @evidence, @updated_at)
        ON CONFLICT (target) DO UPDATE SET channel_id = excluded.channel_id, round_number = excluded.round_number,
            suspects = excluded.suspects, evidence = excluded.evidence, updated_at = excluded.updated_at
        """;

    public const string DeleteEvidence = "DELETE FROM audit_evidence WHERE channel_id = @channel_id";
}
