namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>console_attempts</c> (<see cref="Core.WebConsole.IAttemptCounters"/>). The upsert
/// reads the stored row by the table's name, which SQLite and PostgreSQL both accept; SET expressions see the row as
/// it was before the update on both.</summary>
internal static class AttemptsSql
{
    public const string Select = "SELECT window_start, failures FROM console_attempts WHERE name = @name AND window_start > @expired";

    public const string Count = """
        INSERT INTO console_attempts (name, window_start, failures) VALUES (@name, @now, 1)
        ON CONFLICT (name) DO UPDATE SET
            failures = CASE WHEN console_attempts.window_start <= @expired THEN 1 ELSE console_attempts.failures + 1 END,
            window_start = CASE WHEN console_attempts.window_start <= @expired THEN @now ELSE console_attempts.window_start END
        """;

    public const string Delete = "DELETE FROM console_attempts WHERE name = @name";

    public const string DeleteEnded = "DELETE FROM console_attempts WHERE window_start <= @expired";
}
