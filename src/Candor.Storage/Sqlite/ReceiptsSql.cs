using Candor.Core.Receipts;
using System.Data.Common;

namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>receipts</c>, and its row mapping. The statements on <c>leaf_index</c> are PostgreSQL's:
/// SQLite records log indexes in <c>receipt_leaves</c> (<see cref="ReceiptLeavesSql"/>, migration 23) and leaves the
/// column NULL.</summary>
internal static class ReceiptsSql
{
    private const string Columns = "id, owner_id, account_id, created_at, body, leaf_index";

    /// <summary>Inserts unless present (a retried seal changes nothing).</summary>
    public const string InsertIfNew = $"""
        INSERT INTO receipts ({Columns}) VALUES (@id, @owner_id, @account_id, @created_at, @body, NULL)
        ON CONFLICT (id) DO NOTHING
        """;

    public const string SelectOne = $"SELECT {Columns} FROM receipts WHERE id = @id";

    /// <summary>PostgreSQL: records a receipt's log index in its row.</summary>
    public const string SetLeafIndex = "UPDATE receipts SET leaf_index = @leaf_index WHERE id = @id";

    /// <summary>PostgreSQL: the receipts not yet logged, oldest first (ix_receipts_unlogged).</summary>
    public const string SelectUnlogged = $"SELECT {Columns} FROM receipts WHERE leaf_index IS NULL ORDER BY created_at, id LIMIT @limit";

    /// <summary>PostgreSQL: the receipt at the highest log index (the start-up cross-check with the log; ix_receipts_unlogged).</summary>
    public const string SelectLastLogged = $"SELECT {Columns} FROM receipts WHERE leaf_index IS NOT NULL ORDER BY leaf_index DESC LIMIT 1";

    public static void Bind(DbCommand command, StoredReceipt r) => command
        .Add("@id", r.Id)
        .Add("@owner_id", r.OwnerId)
        .Add("@account_id", DbValues.ToDb(r.AccountId))
        .Add("@created_at", DbValues.ToMillis(r.CreatedAt))
        .Add("@body", r.Body);

    public static StoredReceipt Read(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetStringOrNull(2),
        reader.GetTime(3),
        (byte[])reader.GetValue(4),
        reader.GetInt64OrNull(5));
}
