namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>console_attempts</c> (<see cref="Core.WebConsole.IAttemptCounters"/>). Each counter
/// stores when its own window ends (<c>expires_at</c>, migration 22), so counters of different windows share the table
/// and one is pruned only once its own window has ended. The upsert reads the stored row by the table's name, which
/// SQLite and PostgreSQL both accept; SET expressions see the row as it was before the update on both, and RETURNING
/// gives the counter after counting (check and count in one statement).</summary>
internal static class AttemptsSql
{
    public const string Select = "SELECT window_start, failures FROM console_attempts WHERE name = @name AND expires_at > @now";

    public const string Count = """
        INSERT INTO console_attempts (name, window_start, expires_at, failures) VALUES (@name, @now, @expires, 1)
        ON CONFLICT (name) DO UPDATE SET
            failures = CASE WHEN console_attempts.expires_at <= @now THEN 1 ELSE console_attempts.failures + 1 END,
            window_start = CASE WHEN console_attempts.expires_at <= @now THEN @now ELSE console_attempts.window_start END,
            expires_at = CASE WHEN console_attempts.expires_at <= @now THEN @expires ELSE console_attempts.expires_at END
        RETURNING window_start, failures
        """;

    /// <summary>Holds a counter (its row locked until the transaction ends) without counting: created, or restarted when
    /// its window has ended, with no failures; returns it as it stands.</summary>
    public const string Touch = """
        INSERT INTO console_attempts (name, window_start, expires_at, failures) VALUES (@name, @now, @expires, 0)
        ON CONFLICT (name) DO UPDATE SET
            failures = CASE WHEN console_attempts.expires_at <= @now THEN 0 ELSE console_attempts.failures END,
            window_start = CASE WHEN console_attempts.expires_at <= @now THEN @now ELSE console_attempts.window_start END,
            expires_at = CASE WHEN console_attempts.expires_at <= @now THEN @expires ELSE console_attempts.expires_at END
        RETURNING window_start, failures
        """;

    /// <summary>Counts one failure on a counter held by <see cref="Touch"/> in the same transaction.</summary>
    public const string AddFailure = "UPDATE console_attempts SET failures = failures + 1 WHERE name = @name";

    /// <summary>Takes back one attempt, only in the window it was counted in (a restarted or forgotten counter is left alone).</summary>
    public const string Uncount = "UPDATE console_attempts SET failures = failures - 1 WHERE name = @name AND window_start = @window_start AND failures > 0";

    /// <summary>Holds the row of <c>@name</c> until the transaction ends (created if missing, with no count; the holder
    /// deletes it before it commits, so no hold outlives its transaction): on PostgreSQL, where writes run at READ
    /// COMMITTED, a second transaction holding the same name waits until the first commits, and its next statement then
    /// sees the first's rows, so a count then insert under the hold is one step. SQLite runs one write transaction at a
    /// time anyway.</summary>
    public const string Hold = """
        INSERT INTO console_attempts (name, window_start, expires_at, failures) VALUES (@name, @now, @now, 0)
        ON CONFLICT (name) DO UPDATE SET window_start = @now, expires_at = @now
        """;

    public const string Delete = "DELETE FROM console_attempts WHERE name = @name";

    /// <summary>Deletes the counter whose window ended first, if one has ended: one row a statement, so the prune never
    /// holds one counter's row while it waits for another's (on PostgreSQL it cannot be part of a deadlock). Run once
    /// for each window that starts, it keeps pace with the rows created.</summary>
    public const string DeleteEnded = """
        DELETE FROM console_attempts
        WHERE name = (SELECT name FROM console_attempts WHERE expires_at <= @now ORDER BY expires_at LIMIT 1) AND expires_at <= @now
        """;
}
