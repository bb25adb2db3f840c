namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>audit_quarantines</c>: one row per quarantined channel (reason and test are
/// sentences for admins built from figures, never user content).</summary>
internal static class AuditSql
{
    public const string SelectQuarantines = "SELECT channel_id, reason, test, since FROM audit_quarantines ORDER BY since, channel_id";

    public const string InsertQuarantine = """
        INSERT INTO audit_quarantines (channel_id, reason, test, since) VALUES (@channel_id, @reason, @test, @since)
        ON CONFLICT (channel_id) DO NOTHING
        """;

    public const string DeleteQuarantine = "DELETE FROM audit_quarantines WHERE channel_id = @channel_id";
}
