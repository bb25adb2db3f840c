namespace Candor.Storage.Sqlite;

/// <summary>The keyset pages of the console's account lists (<see cref="Core.WebConsole.IConsoleLists"/>): members after
/// a principal (the primary key's order), keys before a (created_at, id) position (<c>ix_api_keys_account</c>).</summary>
internal static class ConsoleListsSql
{
    public const string MembersPage = """
        SELECT account_id, principal, role FROM account_members
        WHERE account_id = @account_id AND principal > @cursor
        ORDER BY principal LIMIT @limit
        """;

    private const string KeysBefore = "k.account_id = @account_id AND (k.created_at < @cursor_at OR (k.created_at = @cursor_at AND k.id < @cursor_id))";

    public const string KeysPage = $"{ApiKeysSql.SelectAll} WHERE {KeysBefore} ORDER BY k.created_at DESC, k.id DESC LIMIT @limit";

    public const string OwnedKeysPage = $"""
        {ApiKeysSql.SelectAll} WHERE {KeysBefore}
          AND k.id IN (SELECT key_id FROM console_key_owners WHERE account_id = @account_id AND principal = @owner)
        ORDER BY k.created_at DESC, k.id DESC LIMIT @limit
        """;
}
