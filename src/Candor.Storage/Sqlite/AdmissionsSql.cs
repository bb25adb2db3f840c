namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>admitted_requests</c>: one row per admitted request of a stored key until its
/// settlement commits (which deletes it). A row names the node that admitted it and the money it holds in the store
/// (<c>reserved_micros</c>; 0 where reservations are kept in memory). Rows left by a crash — on SQLite every row at the
/// next start, on a shared database the rows of nodes whose lease expired — are claimed (<c>recovered = 1</c>, their
/// money released) and become <c>interrupted</c> usage records (docs/fail-closed.md, "Crash"; docs/scale-out.md).</summary>
internal static class AdmissionsSql
{
    public const string Insert = """
        INSERT INTO admitted_requests (request_id, account_id, key_id, created_at, surface, requested_model, upstream_model, counted_input_tokens,
            receipt_id, receipt_owner, receipt_key, receipt_kind, request_sha256, request_bytes, node_id, reserved_micros)
        VALUES (@request_id, @account_id, @key_id, @created_at, @surface, @requested_model, @upstream_model, @counted_input_tokens,
            @receipt_id, @receipt_owner, @receipt_key, @receipt_kind, @request_sha256, @request_bytes, @node_id, @reserved_micros)
        ON CONFLICT (request_id) DO NOTHING
        """;

    public const string Delete = "DELETE FROM admitted_requests WHERE request_id = @request_id";

    /// <summary>A settlement's deletion of its request's row, unless recovery claimed it (a claimed row stays until the
    /// <c>interrupted</c> receipt it promised is stored, and the claim's usage record makes the settlement write nothing).</summary>
    public const string DeleteUnrecovered = "DELETE FROM admitted_requests WHERE request_id = @request_id AND recovered = 0";

    /// <summary>Deletes the row unless recovery claimed it, and returns the money it held in the store (no row: the request
    /// was recovered or never admitted, nothing to release).</summary>
    public const string DeleteReturningReserved = "DELETE FROM admitted_requests WHERE request_id = @request_id AND recovered = 0 RETURNING reserved_micros";

    private const string RecoverColumns = "SELECT request_id, account_id, key_id, reserved_micros FROM admitted_requests";

    /// <summary>Every row not yet recovered (SQLite at start: no other process can own one), in lock order.</summary>
    public const string SelectUnrecovered = $"{RecoverColumns} WHERE recovered = 0 ORDER BY account_id, key_id, request_id";

    /// <summary>The rows not yet recovered of nodes whose lease expired (or that never had one: rows written before
    /// migration 12), in lock order.</summary>
    public const string SelectUnrecoveredOfDeadNodes = $"""
        {RecoverColumns} WHERE recovered = 0
            AND (node_id IS NULL OR node_id NOT IN (SELECT node_id FROM cluster_nodes WHERE seen_at >= @cutoff))
        ORDER BY account_id, key_id, request_id
        """;

    /// <summary>The rows of one node not yet recovered (a node that restarted under its persistent id takes its previous
    /// run's admissions back at once), in lock order.</summary>
    public const string SelectUnrecoveredOfNode = $"{RecoverColumns} WHERE recovered = 0 AND node_id = @node_id ORDER BY account_id, key_id, request_id";

    /// <summary>One row by request id, if not yet recovered.</summary>
    public const string SelectUnrecoveredById = $"{RecoverColumns} WHERE request_id = @request_id AND recovered = 0";

    /// <summary>Claims a row for recovery: exactly one claimant wins (a second one, or a settlement that deleted the row,
    /// changes nothing), and its money is no longer held by the row.</summary>
    public const string Claim = "UPDATE admitted_requests SET recovered = 1, reserved_micros = 0 WHERE request_id = @request_id AND recovered = 0";

    /// <summary>Records every claimed row as interrupted: nothing charged, Candor's prompt count kept, the output
    /// delivered unknown (0). A request already recorded (its settlement committed) is left as it is.</summary>
    public const string RecoverInterrupted = """
        INSERT INTO usage_records (request_id, account_id, key_id, created_at, surface, requested_model, upstream_model, reported_model,
            channel_id, outcome, counted_input_tokens, counted_output_tokens, billed_source, charge_micros, duration_ms)
        SELECT request_id, account_id, key_id, created_at, surface, requested_model, upstream_model, NULL,
            NULL, 'interrupted', counted_input_tokens, 0, 'none', 0, 0
        FROM admitted_requests WHERE recovered = 1 AND account_id IN (SELECT id FROM accounts)
        ON CONFLICT (request_id) DO NOTHING
        """;

    /// <summary>Removes the recovered rows that carry no receipt; those with a receipt stay until their receipt is stored
    /// (<see cref="SelectReceipts"/>, <see cref="Delete"/>).</summary>
    public const string DeleteWithoutReceipt = "DELETE FROM admitted_requests WHERE recovered = 1 AND receipt_id IS NULL";

    /// <summary>The receipts the recovered rows promised (read after <see cref="RecoverInterrupted"/>).</summary>
    public const string SelectReceipts = """
        SELECT receipt_id, request_id, receipt_owner, account_id, receipt_key, surface, receipt_kind, requested_model,
            request_sha256, request_bytes, counted_input_tokens, created_at
        FROM admitted_requests WHERE recovered = 1 AND receipt_id IS NOT NULL ORDER BY created_at, request_id
        """;

    /// <summary>Money held in the store by rows of one node that are not recovered (tests: what a node still holds).</summary>
    public const string SelectHeldByNode = "SELECT COUNT(*), CAST(COALESCE(SUM(reserved_micros), 0) AS BIGINT) FROM admitted_requests WHERE node_id = @node_id AND recovered = 0";
}
