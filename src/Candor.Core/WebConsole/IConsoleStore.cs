namespace Candor.Core.WebConsole;

/// <summary>Web-console logins, sessions and invitations. Implemented over SQLite (Candor.Storage) and later
/// PostgreSQL; the console is not on the relay's request path.</summary>
internal interface IConsoleStore
{
    /// <summary>The login of that principal, or null.</summary>
    Task<ConsoleLogin?> GetLoginAsync(string principal, CancellationToken cancellationToken);

    /// <summary>Creates the login or replaces its password hash and operator flag, and ends every session of the
    /// principal (a changed password signs everybody out).</summary>
    Task SetLoginAsync(ConsoleLogin login, CancellationToken cancellationToken);

    /// <summary>Stores a new session.</summary>
    Task CreateSessionAsync(ConsoleSession session, CancellationToken cancellationToken);

    /// <summary>The session with that token hash when it has not expired at <paramref name="now"/>, or null.</summary>
    Task<ConsoleSession?> GetSessionAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Ends one session. Returns false when there was none.</summary>
    Task<bool> DeleteSessionAsync(string tokenHash, CancellationToken cancellationToken);

    /// <summary>Deletes sessions and invitations that expired before <paramref name="now"/>; returns how many rows went.</summary>
    Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Stores an invitation.</summary>
    Task CreateInvitationAsync(ConsoleInvitation invitation, CancellationToken cancellationToken);

    /// <summary>Consumes the invitation with that token hash if it has not expired at <paramref name="now"/>: it is
    /// deleted in the same transaction, so it works once. Null when there is none.</summary>
    Task<ConsoleInvitation?> TakeInvitationAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken);
}
