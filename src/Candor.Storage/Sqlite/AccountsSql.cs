using Candor.Core.Accounts;
using System.Data.Common;

namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>accounts</c>, and its row mapping.</summary>
internal static class AccountsSql
{
    private const string Columns = "id, name, price_group, created_at, disabled";

    public const string Insert = "INSERT INTO accounts (id, name, price_group, created_at, disabled, balance_micros) VALUES (@id, @name, @group, @created_at, 0, 0)";

    public const string SelectById = $"SELECT {Columns} FROM accounts WHERE id = @id";

    public const string SelectPage = $"""
        SELECT {Columns} FROM accounts
        WHERE created_at < @cursor_at OR (created_at = @cursor_at AND id < @cursor_id)
        ORDER BY created_at DESC, id DESC LIMIT @limit
        """;

    public const string Update = """
        UPDATE accounts SET name = COALESCE(@name, name), price_group = COALESCE(@group, price_group), disabled = COALESCE(@disabled, disabled)
        WHERE id = @id
        """;

    public const string Exists = "SELECT COUNT(*) FROM accounts WHERE id = @id";

    public const string AddToBalance = "UPDATE accounts SET balance_micros = balance_micros + @amount WHERE id = @id";

    public const string SelectBalance = "SELECT balance_micros FROM accounts WHERE id = @id";

    /// <summary>Reserves money atomically where the store holds reservations (several nodes): only when the balance less
    /// every reservation of every node covers it. Row-locked on PostgreSQL, so concurrent reservations of any number of
    /// nodes are checked one after the other (docs/scale-out.md).</summary>
    public const string Reserve = "UPDATE accounts SET reserved_micros = reserved_micros + @amount WHERE id = @id AND balance_micros - reserved_micros >= @amount";

    public const string Release = "UPDATE accounts SET reserved_micros = reserved_micros - @amount WHERE id = @id";

    /// <summary>Money held in the store on one account (tests).</summary>
    public const string SelectReserved = "SELECT reserved_micros FROM accounts WHERE id = @id";

    public static Account Read(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetTime(3), r.GetFlag(4));
}
