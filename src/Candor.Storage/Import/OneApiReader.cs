using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Candor.Core.Import;

namespace Candor.Storage.Import;

/// <summary>Reads a one-api or new-api database into a <see cref="SourceDatabase"/>, whatever engine holds it (SQLite,
/// MySQL/MariaDB, PostgreSQL: <see cref="SourceLocation"/>), inside one read-only transaction so the tables are read
/// as of one moment and the source is never changed. Columns are found by name, so versions that lack a column read
/// it as its GORM default, and values are converted from whatever type the engine's GORM mapping gave them (integers,
/// booleans, tinyint(1), decimals, text); a missing table reads as empty. The tables and columns are those of the GORM
/// structs in songquanpeng/one-api and QuantumNous/new-api <c>model/*.go</c> (docs/migrate.md names the versions).</summary>
internal static class OneApiReader
{
    /// <summary>Opens <paramref name="location"/> and reads it.</summary>
    /// <exception cref="FileNotFoundException">A SQLite source that does not exist.</exception>
    public static async Task<SourceDatabase> ReadAsync(SourceLocation location, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        var connection = await location.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await ReadAsync(connection, location.Dialect, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the tables through an open connection of the given engine.</summary>
    public static async Task<SourceDatabase> ReadAsync(DbConnection connection, SourceDialect dialect, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (dialect == SourceDialect.MySql)
        {
            // Applies to the transaction begun next: InnoDB then reads every table from one snapshot and refuses writes.
            await ExecuteAsync(connection, null, "SET SESSION TRANSACTION READ ONLY", cancellationToken).ConfigureAwait(false);
        }

        var transaction = await connection.BeginTransactionAsync(dialect == SourceDialect.Sqlite ? IsolationLevel.Serializable : IsolationLevel.RepeatableRead, cancellationToken)
            .ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            if (dialect == SourceDialect.Postgres)
            {
                await ExecuteAsync(connection, transaction, "SET TRANSACTION READ ONLY", cancellationToken).ConfigureAwait(false);
            }

            var users = await ReadTableAsync(connection, transaction, dialect, "users", cancellationToken).ConfigureAwait(false);
            var tokens = await ReadTableAsync(connection, transaction, dialect, "tokens", cancellationToken).ConfigureAwait(false);
            var channels = await ReadTableAsync(connection, transaction, dialect, "channels", cancellationToken).ConfigureAwait(false);
            var redemptions = await ReadTableAsync(connection, transaction, dialect, "redemptions", cancellationToken).ConfigureAwait(false);
            var options = await ReadTableAsync(connection, transaction, dialect, "options", cancellationToken).ConfigureAwait(false);
            return Map(users, tokens, channels, redemptions, options);
        }
    }

    private static SourceDatabase Map(List<Dictionary<string, object?>> users, List<Dictionary<string, object?>> tokens, List<Dictionary<string, object?>> channels,
        List<Dictionary<string, object?>> redemptions, List<Dictionary<string, object?>> options) => new()
        {
            Users = [.. users.Select(static r => new SourceDatabase.User(
                Long(r, "id"), Str(r, "username"), Str(r, "display_name"), Str(r, "email"), (int)Long(r, "role", 1), (int)Long(r, "status", 1),
                Long(r, "quota"), Str(r, "group", "default"), Set(r, "deleted_at")))],
            Tokens = [.. tokens.Select(static r => new SourceDatabase.Token(
                Long(r, "id"), Long(r, "user_id"), Str(r, "key"), (int)Long(r, "status", 1), Str(r, "name"), Long(r, "created_time"),
                Long(r, "expired_time", -1), Long(r, "remain_quota"), Long(r, "unlimited_quota") != 0,
                // one-api: models (empty = all); new-api: model_limits, only when model_limits_enabled.
                r.ContainsKey("model_limits_enabled") ? (Long(r, "model_limits_enabled") != 0 ? Str(r, "model_limits") : null) : Str(r, "models"),
                r.ContainsKey("allow_ips") ? Str(r, "allow_ips") : Str(r, "subnet"),
                Str(r, "group"), Set(r, "deleted_at")))],
            Channels = [.. channels.Select(static r => new SourceDatabase.Channel(
                Long(r, "id"), (int)Long(r, "type"), Str(r, "key"), (int)Long(r, "status", 1), Str(r, "name"), Long(r, "weight"),
                Str(r, "base_url"), Str(r, "models"), Str(r, "group", "default"), Str(r, "model_mapping"), Long(r, "priority"),
                ApiVersion(r), Long(r, "created_time"), Dropped(r)))],
            Redemptions = [.. redemptions.Select(static r => new SourceDatabase.Redemption(
                Long(r, "id"), Str(r, "key"), (int)Long(r, "status", 1), Str(r, "name"), Long(r, "quota"), Long(r, "created_time"),
                Long(r, "expired_time"), Set(r, "deleted_at")))],
            Options = options.Where(static r => Str(r, "key").Length > 0)
                .GroupBy(static r => Str(r, "key"), StringComparer.Ordinal)
                .ToDictionary(static g => g.Key, static g => Str(g.Last(), "value"), StringComparer.Ordinal),
        };

    /// <summary>Every row of a table as column → value; empty when the table does not exist.</summary>
    private static async Task<List<Dictionary<string, object?>>> ReadTableAsync(DbConnection connection, DbTransaction transaction, SourceDialect dialect, string table,
        CancellationToken cancellationToken)
    {
        var rows = new List<Dictionary<string, object?>>();
        using (var exists = connection.CreateCommand())
        {
            exists.Transaction = transaction;
            exists.CommandText = dialect switch
            {
                SourceDialect.Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @name",
                SourceDialect.MySql => "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = @name",
                _ => "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = @name",
            };
            var name = exists.CreateParameter();
            name.ParameterName = "@name";
            name.Value = table;
            exists.Parameters.Add(name);
            if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 0)
            {
                return rows;
            }
        }

        using var select = connection.CreateCommand();
        select.Transaction = transaction;
        // The table name is one of the constants above, never input; quoted because "group" and "key" are keywords in columns.
        select.CommandText = dialect == SourceDialect.MySql ? $"SELECT * FROM `{table}`" : $"SELECT * FROM \"{table}\"";
        using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var row = new Dictionary<string, object?>(reader.FieldCount, StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < reader.FieldCount; i++)
            {
                row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Str(Dictionary<string, object?> row, string column, string fallback = "") =>
        row.GetValueOrDefault(column) is { } value ? Convert.ToString(value, CultureInfo.InvariantCulture) ?? fallback : fallback;

    /// <summary>An integer column as any engine returns it: SQLite's long, MySQL's long/ulong/int/bool (tinyint(1)),
    /// PostgreSQL's long/int/bool/decimal, or text.</summary>
    private static long Long(Dictionary<string, object?> row, string column, long fallback = 0) => row.GetValueOrDefault(column) switch
    {
        null => fallback,
        long l => l,
        bool flag => flag ? 1 : 0,
        double d => (long)d,
        float f => (long)f,
        decimal m => (long)m,
        ulong u => u <= long.MaxValue ? (long)u : fallback,
        int or short or sbyte or byte or uint or ushort => Convert.ToInt64(row[column], CultureInfo.InvariantCulture),
        string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long parsed) => parsed,
        string s when bool.TryParse(s, out bool flag) => flag ? 1 : 0,
        _ => fallback,
    };

    private static bool Set(Dictionary<string, object?> row, string column) => row.GetValueOrDefault(column) is { } value && Str(row, column).Length > 0 && value is not DBNull;

    /// <summary>Azure's api-version: one-api's <c>config.api_version</c>, else the legacy <c>other</c> column (new-api keeps it there).</summary>
    private static string? ApiVersion(Dictionary<string, object?> row)
    {
        string config = Str(row, "config");
        if (config.StartsWith('{'))
        {
            try
            {
                using var document = JsonDocument.Parse(config);
                if (document.RootElement.TryGetProperty("api_version", out var version) && version.ValueKind == JsonValueKind.String
                    && version.GetString() is { Length: > 0 } text)
                {
                    return text;
                }
            }
            catch (JsonException)
            {
                // An unreadable config carries no version; the row is still imported.
            }
        }

        string other = Str(row, "other");
        return other.Length is > 0 and < 40 && !other.StartsWith('{') ? other : null;
    }

    /// <summary>The set columns whose meaning Candor cannot carry, named for the report (never their values).</summary>
    private static List<string> Dropped(Dictionary<string, object?> row)
    {
        var dropped = new List<string>();
        foreach (string column in (ReadOnlySpan<string>)["system_prompt", "param_override", "header_override", "status_code_mapping", "openai_organization"])
        {
            string value = Str(row, column).Trim();
            if (value.Length > 0 && value != "{}" && value != "null")
            {
                dropped.Add(column);
            }
        }

        return dropped;
    }
}
