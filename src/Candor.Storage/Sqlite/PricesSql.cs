using Candor.Core.Accounting;
using System.Data.Common;

namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>price_overrides</c> and <c>group_multipliers</c>. A model's own price is
/// stored with channel <c>''</c> (a primary key column cannot be null in PostgreSQL).</summary>
internal static class PricesSql
{
    public const string SelectAll = """
        SELECT model, channel, input_micros, output_micros, cached_input_micros, cache_write_micros, reasoning_micros,
               per_request_micros, updated_at
        FROM price_overrides ORDER BY model, channel
        """;

    public const string Upsert = """
        INSERT INTO price_overrides (model, channel, input_micros, output_micros, cached_input_micros, cache_write_micros,
                                     reasoning_micros, per_request_micros, updated_at)
        VALUES (@model, @channel, @input, @output, @cached, @write, @reasoning, @per_request, @updated_at)
        ON CONFLICT (model, channel) DO UPDATE SET
            input_micros = excluded.input_micros, output_micros = excluded.output_micros,
            cached_input_micros = excluded.cached_input_micros, cache_write_micros = excluded.cache_write_micros,
            reasoning_micros = excluded.reasoning_micros, per_request_micros = excluded.per_request_micros,
            updated_at = excluded.updated_at
        """;

    public const string Delete = "DELETE FROM price_overrides WHERE model = @model AND channel = @channel";

    public const string SelectGroups = "SELECT price_group, parts_per_million FROM group_multipliers ORDER BY price_group";

    public const string UpsertGroup = """
        INSERT INTO group_multipliers (price_group, parts_per_million, updated_at) VALUES (@group, @ppm, @updated_at)
        ON CONFLICT (price_group) DO UPDATE SET parts_per_million = excluded.parts_per_million, updated_at = excluded.updated_at
        """;

    public const string DeleteGroup = "DELETE FROM group_multipliers WHERE price_group = @group";

    public static void Bind(DbCommand command, PriceOverride price, long updatedAtMillis) => command
        .Add("@model", price.Model)
        .Add("@channel", price.Channel ?? "")
        .Add("@input", DbValues.ToDb(price.Input))
        .Add("@output", DbValues.ToDb(price.Output))
        .Add("@cached", DbValues.ToDb(price.CachedInput))
        .Add("@write", DbValues.ToDb(price.CacheWrite))
        .Add("@reasoning", DbValues.ToDb(price.Reasoning))
        .Add("@per_request", DbValues.ToDb(price.PerRequest))
        .Add("@updated_at", updatedAtMillis);

    public static PriceOverride Read(DbDataReader r) => new(r.GetString(0), r.GetString(1) is { Length: > 0 } channel ? channel : null)
    {
        Input = r.GetInt64OrNull(2),
        Output = r.GetInt64OrNull(3),
        CachedInput = r.GetInt64OrNull(4),
        CacheWrite = r.GetInt64OrNull(5),
        Reasoning = r.GetInt64OrNull(6),
        PerRequest = r.GetInt64OrNull(7),
        UpdatedAt = r.GetTime(8),
    };
}
