namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>import_sources</c>, the record of imported rows (docs/migrate.md).</summary>
internal static class ImportSql
{
    public const string SelectBySource = "SELECT kind, source_id, candor_id FROM import_sources WHERE source = @source";

    /// <summary>Records one imported row; changes nothing (0 rows) when that row was imported before.</summary>
    public const string Record = """
        INSERT INTO import_sources (source, kind, source_id, candor_id, imported_at) VALUES (@source, @kind, @source_id, @candor_id, @now)
        ON CONFLICT (source, kind, source_id) DO NOTHING
        """;

    public const string DisableAccount = "UPDATE accounts SET disabled = 1 WHERE id = @id";
}
