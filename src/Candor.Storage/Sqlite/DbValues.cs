using System.Buffers;
using System.Text.Json;
using System.Data.Common;

namespace Candor.Storage.Sqlite;

/// <summary>Conversions between domain values and portable column values: timestamps as unix milliseconds
/// (BIGINT), flags as 0/1 (INTEGER), string lists as JSON arrays (TEXT).</summary>
internal static class DbValues
{
    public static long ToMillis(DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromMillis(long value) => DateTimeOffset.FromUnixTimeMilliseconds(value);

    public static object ToDb(DateTimeOffset? value) => value is { } v ? v.ToUnixTimeMilliseconds() : DBNull.Value;

    public static object ToDb<T>(T? value) where T : struct => value is { } v ? v : DBNull.Value;

    public static object ToDb(string? value) => value is null ? DBNull.Value : value;

    public static string? GetStringOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static int? GetInt32OrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);

    public static long? GetInt64OrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    public static DateTimeOffset? GetTimeOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : FromMillis(reader.GetInt64(ordinal));

    public static DateTimeOffset GetTime(this DbDataReader reader, int ordinal) => FromMillis(reader.GetInt64(ordinal));

    public static bool GetFlag(this DbDataReader reader, int ordinal) => reader.GetInt64(ordinal) != 0;

    public static DbCommand Add(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }

    public static string ToJsonList(IReadOnlyList<string> values)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var value in values)
            {
                writer.WriteStringValue(value);
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static IReadOnlyList<string> FromJsonList(string json)
    {
        var values = new List<string>();
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(json));
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                values.Add(reader.GetString()!);
            }
        }

        return values;
    }
}
