namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>admitted_requests</c>: one row per admitted request of a stored key until its
/// settlement commits (which deletes it). Rows left by a crash become <c>interrupted</c> usage records at the next
/// start (docs/fail-closed.md, "Crash").</summary>
internal static class AdmissionsSql
{
    public const string Insert = """
        INSERT INTO admitted_requests (request_id, account_id, key_id, created_at, surface, requested_model, upstream_model, counted_input_tokens,
            receipt_id, receipt_owner, receipt_key, receipt_kind, request_sha256, request_bytes)
        VALUES (@request_id, @account_id, @key_id, @created_at, @surface, @requested_model, @upstream_model, @counted_input_tokens,
            @receipt_id, @receipt_owner, @receipt_key, @receipt_kind, @request_sha256, @request_bytes)
        ON CONFLICT (request_id) DO NOTHING
        """;

    public const string Delete = "DELETE FROM admitted_requests WHERE request_id = @request_id";

    /// <summary>Records every request left admitted as interrupted: nothing charged, Candor's prompt count kept, the
    /// output delivered unknown (0). A request already recorded (its settlement committed) is left as it is.</summary>
    public const string RecoverInterrupted = """
        INSERT INTO usage_records (request_id, account_id, key_id, created_at, surface, requested_model, upstream_model, reported_model,
            channel_id, outcome, counted_input_tokens, counted_output_tokens, billed_source, charge_micros, duration_ms)
        SELECT request_id, account_id, key_id, created_at, surface, requested_model, upstream_model, NULL,
            NULL, 'interrupted', counted_input_tokens, 0, 'none', 0, 0
        FROM admitted_requests WHERE account_id IN (SELECT id FROM accounts)
        ON CONFLICT (request_id) DO NOTHING
        """;

    /// <summary>Removes the recovered admissions that carry no receipt (rows of a version before migration 9); those
    /// with a receipt stay until their receipt is stored (<see cref="SelectReceipts"/>, <see cref="Delete"/>).</summary>
    public const string DeleteWithoutReceipt = "DELETE FROM admitted_requests WHERE receipt_id IS NULL";

    /// <summary>The receipts the leftover admissions promised (read after <see cref="RecoverInterrupted"/>).</summary>
    public const string SelectReceipts = """
        SELECT receipt_id, request_id, receipt_owner, account_id, receipt_key, surface, receipt_kind, requested_model,
            request_sha256, request_bytes, counted_input_tokens, created_at
        FROM admitted_requests WHERE receipt_id IS NOT NULL ORDER BY created_at, request_id
        """;
}
