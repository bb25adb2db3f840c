namespace Candor.Storage.Sqlite;

/// <summary>SQLite only: the statements on <c>receipt_leaves</c> and <c>receipt_log_holes</c> (migration 23), where
/// SQLite records receipts' transparency-log indexes. A batch of indexes is appended as narrow rows in log order, never by
/// rewriting the receipts' rows. The receipts not yet logged are found from a watermark: the last row of every batch
/// carries in <c>logged_through</c> the receipt up to which, in the order receipts were stored (<c>rowid</c>), every one
/// has a row in <c>receipt_leaves</c> or is listed in <c>receipt_log_holes</c> (a receipt stored and never queued for the
/// log, or whose append failed, which the watermark passed once it was old). PostgreSQL keeps <c>receipts.leaf_index</c>
/// instead (<see cref="ReceiptsSql"/>).</summary>
internal static class ReceiptLeavesSql
{
    private const string ReceiptColumns = "r.id, r.owner_id, r.account_id, r.created_at, r.body";

    /// <summary>Appends a receipt's index. A receipt appended to the log again (its index was lost) gets its newer index, and
    /// its row moves to the end, so rows stay in log order.</summary>
    public const string Insert = "INSERT OR REPLACE INTO receipt_leaves (receipt_id, leaf_index, logged_through) VALUES (@receipt_id, @leaf_index, NULL)";

    /// <summary>The watermark on the batch's last row (the table's last).</summary>
    public const string SetMark = "UPDATE receipt_leaves SET logged_through = @logged_through WHERE rowid = (SELECT MAX(rowid) FROM receipt_leaves)";

    /// <summary>The newest watermark: the receipt (its rowid and id) up to which every stored receipt is logged. Read from
    /// the last rows (CROSS JOIN keeps that order of the loops); none: every receipt is a candidate.</summary>
    public const string SelectMark = """
        SELECT r.rowid, r.id FROM receipt_leaves l CROSS JOIN receipts r ON r.id = l.logged_through
        WHERE l.logged_through IS NOT NULL ORDER BY l.rowid DESC LIMIT 1
        """;

    /// <summary>The receipts stored after the watermark, in the order they were stored, each with its signing time and
    /// whether it is logged: the watermark moves up to the first one that is not (unless it is old: a hole).</summary>
    public const string SelectAfterMark = """
        SELECT r.rowid, r.id, r.created_at, EXISTS (SELECT 1 FROM receipt_leaves l WHERE l.receipt_id = r.id) FROM receipts r
        WHERE r.rowid > @after ORDER BY r.rowid LIMIT @limit
        """;

    /// <summary>Lists a receipt the watermark passes without an index.</summary>
    public const string InsertHole = "INSERT OR IGNORE INTO receipt_log_holes (receipt_id) VALUES (@receipt_id)";

    /// <summary>Drops the holes that have an index now (appended at a start).</summary>
    public const string DeleteFilledHoles = "DELETE FROM receipt_log_holes WHERE EXISTS (SELECT 1 FROM receipt_leaves l WHERE l.receipt_id = receipt_log_holes.receipt_id)";

    public const string AnyHole = "SELECT EXISTS (SELECT 1 FROM receipt_log_holes)";

    /// <summary>The receipts not yet logged, oldest first (as <see cref="ReceiptsSql.SelectUnlogged"/>): those stored after
    /// the watermark without an index, and the holes before it.</summary>
    public const string SelectUnlogged = $"""
        SELECT {ReceiptColumns}, NULL FROM receipts r
        WHERE r.rowid > @after AND NOT EXISTS (SELECT 1 FROM receipt_leaves l WHERE l.receipt_id = r.id)
        UNION ALL
        SELECT {ReceiptColumns}, NULL FROM receipt_log_holes h CROSS JOIN receipts r ON r.id = h.receipt_id
        WHERE r.rowid <= @after AND NOT EXISTS (SELECT 1 FROM receipt_leaves l WHERE l.receipt_id = r.id)
        ORDER BY 4, 1 LIMIT @limit
        """;

    /// <summary>The receipt with the last index recorded (rows are in log order; the start-up cross-check with the log).</summary>
    public const string SelectLastLogged = $"""
        SELECT {ReceiptColumns}, l.leaf_index FROM receipt_leaves l CROSS JOIN receipts r ON r.id = l.receipt_id
        ORDER BY l.rowid DESC LIMIT 1
        """;

    /// <summary>One receipt with its index, if it has one.</summary>
    public const string SelectOne = $"""
        SELECT {ReceiptColumns}, l.leaf_index FROM receipts r LEFT JOIN receipt_leaves l ON l.receipt_id = r.id
        WHERE r.id = @id
        """;
}
