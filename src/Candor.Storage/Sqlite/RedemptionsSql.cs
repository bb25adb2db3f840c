using Candor.Core.Accounts.Redemptions;
using System.Data.Common;

namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>redemption_codes</c>, and its row mapping.</summary>
internal static class RedemptionsSql
{
    private const string Columns =
        "id, batch_id, amount_micros, created_at, expires_at, price_group, account_id, note, redeemed_at, redeemed_by, ledger_id";

    public const string Insert = """
        INSERT INTO redemption_codes (id, batch_id, code_hash, amount_micros, price_group, account_id, expires_at, note, created_at)
        VALUES (@id, @batch_id, @code_hash, @amount_micros, @price_group, @account_id, @expires_at, @note, @created_at)
        """;

    public const string SelectByHash = $"SELECT {Columns} FROM redemption_codes WHERE code_hash = @code_hash";

    public const string SelectByBatch = $"SELECT {Columns} FROM redemption_codes WHERE batch_id = @batch_id ORDER BY created_at, id";

    /// <summary>A page of a batch's codes before a (created_at, id) position, newest first (<c>ix_redemption_codes_batch</c>).</summary>
    public const string SelectByBatchPage = $"""
        SELECT {Columns} FROM redemption_codes
        WHERE batch_id = @batch_id AND (created_at < @cursor_at OR (created_at = @cursor_at AND id < @cursor_id))
        ORDER BY created_at DESC, id DESC LIMIT @limit
        """;

    /// <summary>The one write that decides a redemption: it succeeds for exactly one caller per code, on any number of
    /// nodes, because the row is claimed only while <c>redeemed_at</c> is still empty.</summary>
    public const string Claim = """
        UPDATE redemption_codes SET redeemed_at = @now, redeemed_by = @account_id, ledger_id = @ledger_id
        WHERE id = @id AND redeemed_at IS NULL
        """;

    public static DbCommand Bind(DbCommand command, RedemptionCode code, string hash) => command
        .Add("@id", code.Id)
        .Add("@batch_id", code.BatchId)
        .Add("@code_hash", hash)
        .Add("@amount_micros", code.AmountMicros)
        .Add("@price_group", DbValues.ToDb(code.Group))
        .Add("@account_id", DbValues.ToDb(code.AccountId))
        .Add("@expires_at", DbValues.ToDb(code.ExpiresAt))
        .Add("@note", code.Note)
        .Add("@created_at", DbValues.ToMillis(code.CreatedAt));

    public static RedemptionCode Read(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        BatchId = r.GetString(1),
        AmountMicros = r.GetInt64(2),
        CreatedAt = r.GetTime(3),
        ExpiresAt = r.GetTimeOrNull(4),
        Group = r.GetStringOrNull(5),
        AccountId = r.GetStringOrNull(6),
        Note = r.GetString(7),
        RedeemedAt = r.GetTimeOrNull(8),
        RedeemedBy = r.GetStringOrNull(9),
        LedgerEntryId = r.GetStringOrNull(10),
    };
}
