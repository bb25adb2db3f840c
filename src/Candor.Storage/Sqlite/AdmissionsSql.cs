namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>admitted_requests</c>: one row per admitted request of a stored key until its
/// settlement commits (which deletes it). Rows left by a crash become <c>interrupted</c> usage records at the next
/// start (docs/fail-closed.md, "Crash").</summary>
internal static class AdmissionsSql
{
    public const string Insert = """
        INSERT INTO admitted_requests (request_id, account_id, key_id, created_at, surface, requested_model, upstream_model, counted_input_tokens)
        VALUES (@request_id, @account_id, @key_id, @created_at, @surface, @requested_model, @upstream_model, @counted_input_tokens)
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

    public const string DeleteAll = "DELETE FROM admitted_requests";
}
