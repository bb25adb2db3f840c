using Candor.Core.Admission;

namespace Candor.Storage;

/// <summary>The environment variables of the PostgreSQL store: the connection string for the command line (the server
/// reads <c>storage.postgres</c> first) and the password, which never belongs in a file (docs/configuration.md).</summary>
internal static class PostgresEnvironment
{
    /// <summary>The connection string when the configuration has no <c>storage.postgres</c> (and for the CLI).</summary>
    public const string ConnectionVariable = "CANDOR_POSTGRES";

    /// <summary>The password, used when the connection string holds none.</summary>
    public const string PasswordVariable = "CANDOR_POSTGRES_PASSWORD";

    /// <summary>The connection string from <see cref="ConnectionVariable"/>, or null when unset or empty.</summary>
    public static string? Connection(Func<string, string?> environment) =>
        environment(ConnectionVariable) is { Length: > 0 } connection ? connection : null;

    /// <summary>Opens the PostgreSQL store at <paramref name="connection"/> (else <see cref="ConnectionVariable"/>) with the
    /// password from <see cref="PasswordVariable"/>.</summary>
    public static Task<PostgresStore> OpenAsync(string? connection, KeyHasher hasher, Func<string, string?> environment, CancellationToken cancellationToken) =>
        PostgresStore.OpenAsync(
            connection ?? Connection(environment) ?? throw new ArgumentException($"no PostgreSQL connection string: give --postgres or set {ConnectionVariable}"),
            environment(PasswordVariable), hasher, TimeProvider.System, cancellationToken);
}
