namespace Candor.Storage.Import;

/// <summary>The database engine a one-api or new-api installation keeps its tables in (its <c>SQL_DSN</c>).</summary>
internal enum SourceDialect
{
    /// <summary>The default of both platforms: <c>one-api.db</c>.</summary>
    Sqlite,

    /// <summary>MySQL or MariaDB, read through MySqlConnector.</summary>
    MySql,

    /// <summary>PostgreSQL, read through Npgsql.</summary>
    Postgres,
}
