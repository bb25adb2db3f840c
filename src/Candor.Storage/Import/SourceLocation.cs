using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using MySqlConnector;
using Npgsql;

namespace Candor.Storage.Import;

/// <summary>Where <c>candor import --from</c> reads: a SQLite file, or the <c>SQL_DSN</c> the platform itself was given —
/// MySQL as Go's driver takes it (<c>user:pass@tcp(host:3306)/oneapi?charset=utf8mb4&amp;parseTime=True</c>) or as a
/// <c>mysql://</c> URL, PostgreSQL as a <c>postgres://</c>/<c>postgresql://</c> URL, a libpq key-value string
/// (<c>host=… user=… dbname=…</c>) or an Npgsql connection string (<c>Host=…;Username=…</c>). A password missing from
/// the DSN is taken from <c>CANDOR_IMPORT_PASSWORD</c>. <see cref="Description"/> never holds the password.</summary>
internal sealed class SourceLocation
{
    /// <summary>The environment variable a DSN without a password takes it from.</summary>
    public const string PasswordVariable = "CANDOR_IMPORT_PASSWORD";

    private SourceLocation(SourceDialect dialect, string connectionString, string description)
    {
        Dialect = dialect;
        ConnectionString = connectionString;
        Description = description;
    }

    public SourceDialect Dialect { get; }

    /// <summary>The engine's connection string (with the password: never print it).</summary>
    internal string ConnectionString { get; }

    /// <summary>The file, or engine, host, port and database: for messages (no password).</summary>
    public string Description { get; }

    /// <summary>Reads <paramref name="from"/>. Throws <see cref="ArgumentException"/> for a DSN it cannot read (the
    /// message never repeats a password).</summary>
    public static SourceLocation Parse(string from, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(environment);
        string text = from.Trim();
        string? password = environment(PasswordVariable) is { Length: > 0 } p ? p : null;
        if (text.StartsWith("mysql://", StringComparison.OrdinalIgnoreCase))
        {
            var uri = Url(text);
            var (user, pass) = UserInfo(uri);
            return MySql(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 3306 : uri.Port, user, pass ?? password, uri.AbsolutePath.Trim('/'), Query(uri.Query));
        }

        if (text.Contains("@tcp(", StringComparison.Ordinal) || text.StartsWith("tcp(", StringComparison.Ordinal))
        {
            return GoMySql(text, password);
        }

        if (text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            var uri = Url(text);
            var (user, pass) = UserInfo(uri);
            var query = Query(uri.Query);
            return Postgres(new NpgsqlConnectionStringBuilder
            {
                Host = uri.Host,
                Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
                Username = user,
                Password = pass ?? password,
                Database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/')),
                SslMode = PostgresSslMode(query.GetValueOrDefault("sslmode")),
            });
        }

        if (text.Contains("host=", StringComparison.OrdinalIgnoreCase) || text.Contains("dbname=", StringComparison.OrdinalIgnoreCase))
        {
            return text.Contains(';', StringComparison.Ordinal) ? NpgsqlString(text, password) : Libpq(text, password);
        }

        return new SourceLocation(SourceDialect.Sqlite,
            new SqliteConnectionStringBuilder { DataSource = text, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString(), text);
    }

    /// <summary>Opens a connection to the source (read-only where the engine's connection can say so; the reader
    /// reads inside a read-only transaction everywhere).</summary>
    /// <exception cref="FileNotFoundException">A SQLite source that does not exist.</exception>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        DbConnection connection = Dialect switch
        {
            SourceDialect.Sqlite => File.Exists(Description)
                ? new SqliteConnection(ConnectionString)
                : throw new FileNotFoundException($"No SQLite database at {Description}.", Description),
            SourceDialect.MySql => new MySqlConnection(ConnectionString),
            _ => new NpgsqlConnection(ConnectionString),
        };
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Go's MySQL DSN: <c>[user[:password]@]tcp(host[:port])/dbname[?params]</c>.</summary>
    private static SourceLocation GoMySql(string dsn, string? password)
    {
        int slash = dsn.LastIndexOf(")/", StringComparison.Ordinal);
        if (slash < 0)
        {
            throw new ArgumentException("a MySQL DSN is user:password@tcp(host:port)/database");
        }

        string head = dsn[..(slash + 1)];
        string tail = dsn[(slash + 2)..];
        int question = tail.IndexOf('?', StringComparison.Ordinal);
        string database = question < 0 ? tail : tail[..question];
        var parameters = question < 0 ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) : Query(tail[question..]);
        int at = head.LastIndexOf("@tcp(", StringComparison.Ordinal);
        string credentials = at < 0 ? "" : head[..at];
        string address = head[(at < 0 ? "tcp(".Length : at + "@tcp(".Length)..^1];
        int colon = credentials.IndexOf(':', StringComparison.Ordinal);
        string user = colon < 0 ? credentials : credentials[..colon];
        string? pass = colon < 0 ? null : credentials[(colon + 1)..];
        int portAt = address.LastIndexOf(':');
        string host = portAt < 0 ? address : address[..portAt];
        int port = portAt < 0 ? 3306 : int.TryParse(address[(portAt + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int p) ? p
            : throw new ArgumentException("the MySQL DSN's port is not a number");
        return MySql(host.Length > 0 ? host : "127.0.0.1", port, user, pass ?? password, database, parameters);
    }

    private static SourceLocation MySql(string host, int port, string user, string? password, string database, Dictionary<string, string> parameters)
    {
        if (database.Length == 0)
        {
            throw new ArgumentException("the MySQL DSN names no database");
        }

        var builder = new MySqlConnectionStringBuilder
        {
            Server = host,
            Port = (uint)port,
            UserID = user,
            Database = database,
            // GORM's MySQL booleans are tinyint(1); zero dates read as DateTime.MinValue instead of failing the read.
            TreatTinyAsBoolean = true,
            ConvertZeroDateTime = true,
            Pooling = false,
            SslMode = parameters.GetValueOrDefault("tls") switch
            {
                "true" => MySqlSslMode.VerifyFull,
                "skip-verify" => MySqlSslMode.Required,
                "false" => MySqlSslMode.None,
                _ => MySqlSslMode.Preferred,
            },
        };
        if (password is not null)
        {
            builder.Password = password;
        }

        return new SourceLocation(SourceDialect.MySql, builder.ConnectionString,
            string.Create(CultureInfo.InvariantCulture, $"MySQL {host}:{port}/{database}"));
    }

    /// <summary>libpq's <c>key=value</c> form, as one-api's and new-api's Go drivers take it.</summary>
    private static SourceLocation Libpq(string dsn, string? password)
    {
        var builder = new NpgsqlConnectionStringBuilder();
        foreach (string pair in dsn.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ArgumentException("a PostgreSQL DSN is key=value pairs (host=… port=… user=… dbname=…)");
            }

            string value = pair[(equals + 1)..].Trim('\'');
            string key = pair[..equals];
            if (key.Equals("host", StringComparison.OrdinalIgnoreCase))
            {
                builder.Host = value;
            }
            else if (key.Equals("port", StringComparison.OrdinalIgnoreCase))
            {
                builder.Port = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int port)
                    ? port
                    : throw new ArgumentException("the PostgreSQL DSN's port is not a number");
            }
            else if (key.Equals("user", StringComparison.OrdinalIgnoreCase))
            {
                builder.Username = value;
            }
            else if (key.Equals("password", StringComparison.OrdinalIgnoreCase))
            {
                builder.Password = value;
            }
            else if (key.Equals("dbname", StringComparison.OrdinalIgnoreCase))
            {
                builder.Database = value;
            }
            else if (key.Equals("sslmode", StringComparison.OrdinalIgnoreCase))
            {
                builder.SslMode = PostgresSslMode(value);
            }

            // TimeZone and other session settings do not change what is read.
        }

        if (builder.Password is null && password is not null)
        {
            builder.Password = password;
        }

        return Postgres(builder);
    }

    private static SourceLocation NpgsqlString(string text, string? password)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(text);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException("the PostgreSQL connection string is not one Npgsql reads");
        }

        if (builder.Password is null && password is not null)
        {
            builder.Password = password;
        }

        return Postgres(builder);
    }

    private static SourceLocation Postgres(NpgsqlConnectionStringBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Database))
        {
            throw new ArgumentException("the PostgreSQL DSN names no database");
        }

        builder.Pooling = false;
        return new SourceLocation(SourceDialect.Postgres, builder.ConnectionString,
            string.Create(CultureInfo.InvariantCulture, $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}"));
    }

    private static SslMode PostgresSslMode(string? value) => value switch
    {
        "disable" => SslMode.Disable,
        "require" => SslMode.Require,
        "verify-ca" => SslMode.VerifyCA,
        "verify-full" => SslMode.VerifyFull,
        _ => SslMode.Prefer,
    };

    private static Uri Url(string text) => Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Host.Length > 0
        ? uri
        : throw new ArgumentException("the DSN is not a URL Candor can read (scheme://user:password@host:port/database)");

    private static (string User, string? Password) UserInfo(Uri uri)
    {
        string info = uri.UserInfo;
        int colon = info.IndexOf(':', StringComparison.Ordinal);
        return colon < 0
            ? (Uri.UnescapeDataString(info), null)
            : (Uri.UnescapeDataString(info[..colon]), Uri.UnescapeDataString(info[(colon + 1)..]));
    }

    private static Dictionary<string, string> Query(string query)
    {
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                parameters[Uri.UnescapeDataString(pair[..equals])] = Uri.UnescapeDataString(pair[(equals + 1)..]);
            }
        }

        return parameters;
    }
}
