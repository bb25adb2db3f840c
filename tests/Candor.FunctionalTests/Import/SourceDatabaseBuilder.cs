using System.Data.Common;
using System.Globalization;
using Candor.Storage.Import;
using Microsoft.Data.Sqlite;

namespace Candor.FunctionalTests.Import;

/// <summary>Builds a one-api or new-api SQLite database as the platform itself would have created it: the DDL is what
/// GORM's AutoMigrate makes on SQLite from the <c>model/*.go</c> structs (songquanpeng/one-api v0.6.11-alpha.22 at
/// 8df4a26; QuantumNous/new-api at 0067bd9/0102ffa), the rows realistic, including rows the import cannot map.</summary>
internal sealed class SourceDatabaseBuilder(bool newApi)
{
    private const string OneApiDdl = """
        CREATE TABLE `users` (`id` integer PRIMARY KEY AUTOINCREMENT,`username` text UNIQUE,`password` text NOT NULL,`display_name` text,
          `role` integer DEFAULT 1,`status` integer DEFAULT 1,`email` text,`github_id` text,`wechat_id` text,`lark_id` text,`oidc_id` text,
          `access_token` char(32) UNIQUE,`quota` integer DEFAULT 0,`used_quota` integer DEFAULT 0,`request_count` integer DEFAULT 0,
          `group` varchar(32) DEFAULT 'default',`aff_code` varchar(32) UNIQUE,`inviter_id` integer);
        CREATE TABLE `tokens` (`id` integer PRIMARY KEY AUTOINCREMENT,`user_id` integer,`key` char(48) UNIQUE,`status` integer DEFAULT 1,
          `name` text,`created_time` integer,`accessed_time` integer,`expired_time` integer DEFAULT -1,`remain_quota` integer DEFAULT 0,
          `unlimited_quota` numeric DEFAULT false,`used_quota` integer DEFAULT 0,`models` text,`subnet` text DEFAULT '');
        CREATE TABLE `channels` (`id` integer PRIMARY KEY AUTOINCREMENT,`type` integer DEFAULT 0,`key` text,`status` integer DEFAULT 1,`name` text,
          `weight` integer DEFAULT 0,`created_time` integer,`test_time` integer,`response_time` integer,`base_url` text DEFAULT '',`other` text,
          `balance` real,`balance_updated_time` integer,`models` text,`group` varchar(32) DEFAULT 'default',`used_quota` integer DEFAULT 0,
          `model_mapping` varchar(1024) DEFAULT '',`priority` integer DEFAULT 0,`config` text,`system_prompt` text);
        CREATE TABLE `abilities` (`group` varchar(32),`model` text,`channel_id` integer,`enabled` numeric,`priority` integer DEFAULT 0,
          PRIMARY KEY (`group`,`model`,`channel_id`));
        CREATE TABLE `redemptions` (`id` integer PRIMARY KEY AUTOINCREMENT,`user_id` integer,`key` char(32) UNIQUE,`status` integer DEFAULT 1,
          `name` text,`quota` integer DEFAULT 100,`created_time` integer,`redeemed_time` integer);
        CREATE TABLE `options` (`key` text,`value` text,PRIMARY KEY (`key`));
        """;

    private const string NewApiDdl = """
        CREATE TABLE `users` (`id` integer PRIMARY KEY AUTOINCREMENT,`username` text UNIQUE,`password` text NOT NULL,`display_name` text,
          `role` integer DEFAULT 1,`status` integer DEFAULT 1,`email` text,`github_id` text,`oidc_id` text,`wechat_id` text,`telegram_id` text,
          `access_token` char(32) UNIQUE,`quota` integer DEFAULT 0,`used_quota` integer DEFAULT 0,`request_count` integer DEFAULT 0,
          `group` varchar(64) DEFAULT 'default',`aff_code` varchar(32) UNIQUE,`aff_count` integer DEFAULT 0,`aff_quota` integer DEFAULT 0,
          `aff_history` integer DEFAULT 0,`inviter_id` integer,`deleted_at` datetime,`linux_do_id` text,`setting` text,`remark` varchar(255),
          `stripe_customer` varchar(64));
        CREATE TABLE `tokens` (`id` integer PRIMARY KEY AUTOINCREMENT,`user_id` integer,`key` varchar(128) UNIQUE,`status` integer DEFAULT 1,
          `name` text,`created_time` integer,`accessed_time` integer,`expired_time` integer DEFAULT -1,`remain_quota` integer DEFAULT 0,
          `unlimited_quota` numeric,`model_limits_enabled` numeric,`model_limits` text,`allow_ips` text DEFAULT '',`used_quota` integer DEFAULT 0,
          `group` text DEFAULT '',`cross_group_retry` numeric,`billing_type` integer DEFAULT 0,`deleted_at` datetime);
        CREATE TABLE `channels` (`id` integer PRIMARY KEY AUTOINCREMENT,`type` integer DEFAULT 0,`key` text NOT NULL,`openai_organization` text,
          `test_model` text,`status` integer DEFAULT 1,`name` text,`weight` integer DEFAULT 0,`created_time` integer,`test_time` integer,
          `response_time` integer,`base_url` text DEFAULT '',`other` text,`balance` real,`balance_updated_time` integer,`models` text,
          `group` varchar(64) DEFAULT 'default',`used_quota` integer DEFAULT 0,`model_mapping` text,`status_code_mapping` varchar(1024) DEFAULT '',
          `priority` integer DEFAULT 0,`auto_ban` integer DEFAULT 1,`other_info` text,`tag` text,`setting` text,`param_override` text,
          `header_override` text,`remark` varchar(255),`channel_info` json,`settings` text);
        CREATE TABLE `abilities` (`group` varchar(64),`model` varchar(255),`channel_id` integer,`enabled` numeric,`priority` integer DEFAULT 0,
          `weight` integer DEFAULT 0,`tag` text,PRIMARY KEY (`group`,`model`,`channel_id`));
        CREATE TABLE `redemptions` (`id` integer PRIMARY KEY AUTOINCREMENT,`user_id` integer,`key` char(32) UNIQUE,`status` integer DEFAULT 1,
          `name` text,`quota` integer DEFAULT 100,`created_time` integer,`redeemed_time` integer,`used_user_id` integer,`deleted_at` datetime,
          `expired_time` integer);
        CREATE TABLE `options` (`key` text,`value` text,PRIMARY KEY (`key`));
        """;

    /// <summary>Columns GORM maps from Go bools: boolean on PostgreSQL, tinyint(1) on MySQL, numeric on SQLite.</summary>
    private static readonly HashSet<string> BoolColumns = new(StringComparer.Ordinal) { "unlimited_quota", "model_limits_enabled", "enabled", "cross_group_retry" };

    private readonly List<(string Table, string[] Columns, object?[] Values)> _rows = [];

    /// <summary>Adds a row: the column list and its values (null for SQL NULL).</summary>
    public SourceDatabaseBuilder Row(string table, string columns, params object?[] values)
    {
        _rows.Add((table, columns.Split(',', StringSplitOptions.TrimEntries), values));
        return this;
    }

    /// <summary>Writes the database to <paramref name="path"/>.</summary>
    public void Save(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        SaveAsync(connection, SourceDialect.Sqlite, CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <summary>Creates the tables (the DDL GORM's AutoMigrate makes on that engine from the same structs: on MySQL
    /// bigint AUTO_INCREMENT ids, longtext strings, varchar(191) for unique and key strings, boolean = tinyint(1),
    /// datetime(3); on PostgreSQL bigserial ids, bigint, text, boolean, timestamptz) and writes the rows through an open
    /// connection in the current database or schema.</summary>
    public async Task SaveAsync(DbConnection connection, SourceDialect dialect, CancellationToken cancellationToken)
    {
        foreach (string statement in Ddl(dialect).Split(";", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            using var ddl = connection.CreateCommand();
            ddl.CommandText = statement;
            await ddl.ExecuteNonQueryAsync(cancellationToken);
        }

        char quote = dialect == SourceDialect.Postgres ? '"' : '`';
        foreach (var (table, columns, values) in _rows)
        {
            using var insert = connection.CreateCommand();
            insert.CommandText = $"INSERT INTO {quote}{table}{quote} ({string.Join(",", columns.Select(c => $"{quote}{c}{quote}"))}) "
                + $"VALUES ({string.Join(",", values.Select(static (_, i) => "@p" + i))})";
            for (int i = 0; i < values.Length; i++)
            {
                var parameter = insert.CreateParameter();
                parameter.ParameterName = "@p" + i;
                parameter.Value = Value(dialect, columns[i], values[i]) ?? DBNull.Value;
                insert.Parameters.Add(parameter);
            }

            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static object? Value(SourceDialect dialect, string column, object? value) => (dialect, value) switch
    {
        (SourceDialect.Sqlite, _) => value,
        (_, int flag) when BoolColumns.Contains(column) => flag != 0,
        (_, string time) when column == "deleted_at" => DateTimeOffset.Parse(time, CultureInfo.InvariantCulture).UtcDateTime,
        _ => value,
    };

    private string Ddl(SourceDialect dialect)
    {
        string ddl = newApi ? NewApiDdl : OneApiDdl;
        return dialect switch
        {
            SourceDialect.MySql => ddl
                .Replace("`id` integer PRIMARY KEY AUTOINCREMENT", "`id` bigint AUTO_INCREMENT PRIMARY KEY", StringComparison.Ordinal)
                .Replace("`username` text UNIQUE", "`username` varchar(191) UNIQUE", StringComparison.Ordinal)
                .Replace("`model` text,", "`model` varchar(191),", StringComparison.Ordinal)
                .Replace("`key` text,`value` text", "`key` varchar(191),`value` longtext", StringComparison.Ordinal)
                .Replace(" integer", " bigint", StringComparison.Ordinal)
                .Replace(" numeric", " boolean", StringComparison.Ordinal)
                .Replace(" datetime", " datetime(3)", StringComparison.Ordinal)
                .Replace(" real", " double", StringComparison.Ordinal)
                .Replace(" text", " longtext", StringComparison.Ordinal),
            SourceDialect.Postgres => ddl
                .Replace("`id` integer PRIMARY KEY AUTOINCREMENT", "`id` bigserial PRIMARY KEY", StringComparison.Ordinal)
                .Replace(" integer", " bigint", StringComparison.Ordinal)
                .Replace(" numeric", " boolean", StringComparison.Ordinal)
                .Replace(" datetime", " timestamptz", StringComparison.Ordinal)
                .Replace(" real", " decimal", StringComparison.Ordinal)
                .Replace('`', '"'),
            _ => ddl,
        };
    }
}
