namespace Candor.Server.Transparency;

/// <summary>Every statement of the shared transparency log (<see cref="SharedLog"/>) on the tables of migration
/// "shared transparency log": <c>log_head</c> (one row: the published size and checkpoint, the platform's keys),
/// <c>log_tiles</c> (tiles and entry bundles by tlog-tiles path) and <c>log_queue</c> (entries other than receipts,
/// such as audit verdicts, waiting for an index). Receipts wait in <c>receipts</c> itself (<c>leaf_index IS NULL</c>).
/// PostgreSQL only: the shared log runs only on it.</summary>
internal static class SharedLogSql
{
    /// <summary>Session-level advisory lock of the sequencer: (class, schema), so that installations in several schemas
    /// of one database have a sequencer each.</summary>
    public const string TryLead = "SELECT pg_try_advisory_lock(4999751, hashtext(current_schema()))";

    public const string Ping = "SELECT 1";

    public const string SelectHead = "SELECT size, checkpoint, log_key, receipt_key FROM log_head WHERE id = 1";

    public const string LockHead = "SELECT size, checkpoint FROM log_head WHERE id = 1 FOR UPDATE";

    public const string InsertHead = """
        INSERT INTO log_head (id, size, checkpoint, log_key, receipt_key, leader, updated_at)
        VALUES (1, 0, @checkpoint, @log_key, @receipt_key, @leader, @now) ON CONFLICT (id) DO NOTHING
        """;

    /// <summary>The head moves only from the size the sequencer built on (a second sequencer's pass would fail here).</summary>
    public const string AdvanceHead = "UPDATE log_head SET size = @size, checkpoint = @checkpoint, leader = @leader, updated_at = @now WHERE id = 1 AND size = @old";

    public const string SelectTiles = "SELECT path, data FROM log_tiles WHERE path = ANY(@paths)";

    public const string SelectTile = "SELECT data FROM log_tiles WHERE path = @path";

    public const string InsertTile = "INSERT INTO log_tiles (path, data, written_size) VALUES (@path, @data, @size) ON CONFLICT (path) DO NOTHING";

    /// <summary>Partial tiles a full tile replaced (tlog-tiles lets a log drop them).</summary>
    public const string DeletePartials = "DELETE FROM log_tiles WHERE path LIKE @prefix";

    public const string SelectUnloggedReceipts = "SELECT id, body, created_at FROM receipts WHERE leaf_index IS NULL ORDER BY created_at, id LIMIT @limit";

    public const string SelectOldestUnlogged = "SELECT MIN(created_at) FROM receipts WHERE leaf_index IS NULL";

    public const string SetReceiptIndices = """
        UPDATE receipts SET leaf_index = v.leaf FROM unnest(@ids, @leaves) AS v(id, leaf)
        WHERE receipts.id = v.id AND receipts.leaf_index IS NULL
        """;

    public const string SelectQueued = "SELECT id, entry, queued_at FROM log_queue WHERE leaf_index IS NULL ORDER BY queued_at, id LIMIT @limit";

    public const string SetQueuedIndices = """
        UPDATE log_queue SET leaf_index = v.leaf FROM unnest(@ids, @leaves) AS v(id, leaf)
        WHERE log_queue.id = v.id AND log_queue.leaf_index IS NULL
        """;

    public const string InsertQueued = "INSERT INTO log_queue (id, queued_at, entry, leaf_index) VALUES (@id, @now, @entry, NULL)";

    public const string SelectQueuedIndex = "SELECT leaf_index FROM log_queue WHERE id = @id";
}
