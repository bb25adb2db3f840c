using System.Globalization;

namespace Candor.Storage.Sqlite;

/// <summary>Keyset paging over (created_at, id), newest first. A cursor is <c>{millis}.{id}</c> of the last
/// row returned; the first page uses a position after every row.</summary>
internal readonly record struct PageCursor(long CreatedAtMillis, string Id)
{
    public const int MaxLimit = 1000;

    public static PageCursor Start => new(long.MaxValue, "");

    public static PageCursor Parse(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return Start;
        }

        int dot = cursor.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !long.TryParse(cursor.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out long millis))
        {
            throw new ArgumentException("The paging cursor is not valid.", nameof(cursor));
        }

        return new PageCursor(millis, cursor[(dot + 1)..]);
    }

    public static int ClampLimit(int limit) => Math.Clamp(limit, 1, MaxLimit);

    public override string ToString() => string.Concat(CreatedAtMillis.ToString(CultureInfo.InvariantCulture), ".", Id);
}
