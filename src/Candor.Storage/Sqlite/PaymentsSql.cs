using Candor.Core.Payments;
using System.Data.Common;

namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>payments</c> and <c>payment_events</c>, and the row mapping.</summary>
internal static class PaymentsSql
{
    private const string Columns =
        "id, provider, account_id, amount_micros, status, session_id, payment_ref, created_at, paid_at, ledger_id, refunded_micros";

    public const string Insert = """
        INSERT INTO payments (id, provider, account_id, amount_micros, status, created_at)
        VALUES (@id, @provider, @account_id, @amount_micros, 'creating', @created_at)
        """;

    public const string Open = """
        UPDATE payments SET status = @status, session_id = @session_id WHERE id = @id AND status = 'creating'
        """;

    public const string SelectById = $"SELECT {Columns} FROM payments WHERE id = @id";

    public const string SelectByReference = $"SELECT {Columns} FROM payments WHERE provider = @provider AND payment_ref = @payment_ref";

    /// <summary>The write that decides a credit: it changes the row for exactly one event per payment, however many
    /// deliveries race, on any number of nodes (the row lock orders them; the later ones find <c>paid_at</c> set).</summary>
    public const string ClaimPaid = """
        UPDATE payments SET status = 'paid', session_id = @session_id, payment_ref = @payment_ref, paid_at = @now, ledger_id = @ledger_id
        WHERE id = @id AND provider = @provider AND paid_at IS NULL AND status IN ('creating', 'open')
          AND (session_id IS NULL OR session_id = @session_id)
        """;

    /// <summary>Moves the refunded total from the value read to the new one, for one event only.</summary>
    public const string ClaimRefund = """
        UPDATE payments SET refunded_micros = @refunded WHERE id = @id AND refunded_micros = @previous
        """;

    /// <summary>The first write of every event: a replayed event id inserts nothing and stops there.</summary>
    public const string InsertEvent = """
        INSERT INTO payment_events (provider, event_id, type, outcome, payment_id, received_at)
        VALUES (@provider, @event_id, @type, 'received', NULL, @now)
        ON CONFLICT (provider, event_id) DO NOTHING
        """;

    public const string RecordOutcome = """
        UPDATE payment_events SET outcome = @outcome, payment_id = @payment_id WHERE provider = @provider AND event_id = @event_id
        """;

    public static Payment Read(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        Provider = r.GetString(1),
        AccountId = r.GetString(2),
        AmountMicros = r.GetInt64(3),
        Status = r.GetString(4),
        SessionId = r.GetStringOrNull(5),
        PaymentReference = r.GetStringOrNull(6),
        CreatedAt = r.GetTime(7),
        PaidAt = r.GetTimeOrNull(8),
        LedgerEntryId = r.GetStringOrNull(9),
        RefundedMicros = r.GetInt64(10),
    };
}
