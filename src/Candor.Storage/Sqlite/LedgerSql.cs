using Candor.Core.Accounts;
using System.Data.Common;

namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>ledger_entries</c>, and its row mapping.</summary>
internal static class LedgerSql
{
    private const string Columns = "id, account_id, key_id, request_id, kind, amount_micros, created_at, note";

    public const string Insert = $"""
        INSERT INTO ledger_entries ({Columns})
        VALUES (@id, @account_id, @key_id, @request_id, @kind, @amount_micros, @created_at, @note)
        """;

    public const string SelectPage = $"""
        SELECT {Columns} FROM ledger_entries
        WHERE account_id = @account_id AND (created_at < @cursor_at OR (created_at = @cursor_at AND id < @cursor_id))
        ORDER BY created_at DESC, id DESC LIMIT @limit
        """;

    public const string SelectTotals = """
        SELECT CAST(COALESCE(SUM(amount_micros), 0) AS BIGINT),
               CAST(COALESCE(SUM(CASE WHEN kind = 'topup' THEN amount_micros ELSE 0 END), 0) AS BIGINT),
               CAST(COALESCE(SUM(CASE WHEN kind = 'charge' THEN -amount_micros ELSE 0 END), 0) AS BIGINT),
               CAST(COALESCE(SUM(CASE WHEN kind = 'refund' THEN amount_micros ELSE 0 END), 0) AS BIGINT),
               CAST(COALESCE(SUM(CASE WHEN kind = 'adjustment' THEN amount_micros ELSE 0 END), 0) AS BIGINT)
        FROM ledger_entries WHERE account_id = @account_id
        """;

    public static void Bind(DbCommand command, LedgerEntry entry) => command
        .Add("@id", entry.Id)
        .Add("@account_id", entry.AccountId)
        .Add("@key_id", DbValues.ToDb(entry.KeyId))
        .Add("@request_id", DbValues.ToDb(entry.RequestId))
        .Add("@kind", KindName(entry.Kind))
        .Add("@amount_micros", entry.AmountMicros)
        .Add("@created_at", DbValues.ToMillis(entry.CreatedAt))
        .Add("@note", entry.Note);

    public static LedgerEntry Read(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        AccountId = r.GetString(1),
        KeyId = r.GetStringOrNull(2),
        RequestId = r.GetStringOrNull(3),
        Kind = ParseKind(r.GetString(4)),
        AmountMicros = r.GetInt64(5),
        CreatedAt = r.GetTime(6),
        Note = r.GetString(7),
    };

    public static string KindName(LedgerKind kind) => kind switch
    {
        LedgerKind.TopUp => "topup",
        LedgerKind.Charge => "charge",
        LedgerKind.Refund => "refund",
        LedgerKind.Adjustment => "adjustment",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static LedgerKind ParseKind(string name) => name switch
    {
        "topup" => LedgerKind.TopUp,
        "charge" => LedgerKind.Charge,
        "refund" => LedgerKind.Refund,
        "adjustment" => LedgerKind.Adjustment,
        _ => throw new InvalidDataException($"Unknown ledger kind '{name}'."),
    };
}
