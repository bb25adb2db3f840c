using Candor.Core.Accounts;
using System.Data.Common;

namespace Candor.Storage.Sqlite;

/// <summary>Every statement on <c>usage_records</c>, and its row mapping.</summary>
internal static class UsageSql
{
    internal const string Columns = """
        request_id, account_id, key_id, created_at, surface, requested_model, upstream_model, reported_model, channel_id,
        outcome, reported_input_tokens, reported_output_tokens, reported_cached_input_tokens, reported_cache_write_tokens,
        reported_reasoning_tokens, reported_total_tokens, counted_input_tokens, counted_output_tokens, billed_source,
        charge_micros, duration_ms
        """;

    /// <summary>Inserts unless the request is already recorded (then no row changes), which makes settlement
    /// retries after a crash or timeout safe.</summary>
    public const string InsertIfNew = $"""
        INSERT INTO usage_records ({Columns})
        VALUES (@request_id, @account_id, @key_id, @created_at, @surface, @requested_model, @upstream_model, @reported_model,
                @channel_id, @outcome, @reported_input_tokens, @reported_output_tokens, @reported_cached_input_tokens,
                @reported_cache_write_tokens, @reported_reasoning_tokens, @reported_total_tokens, @counted_input_tokens,
                @counted_output_tokens, @billed_source, @charge_micros, @duration_ms)
        ON CONFLICT (request_id) DO NOTHING
        """;

    public const string SelectOne = $"SELECT {Columns} FROM usage_records WHERE account_id = @account_id AND request_id = @request_id";

    internal const string PageOrder = """
          AND (created_at < @cursor_at OR (created_at = @cursor_at AND request_id < @cursor_id))
        ORDER BY created_at DESC, request_id DESC LIMIT @limit
        """;

    public const string SelectPage = $"SELECT {Columns} FROM usage_records WHERE account_id = @account_id\n{PageOrder}";

    public const string SelectPageOfKey = $"SELECT {Columns} FROM usage_records WHERE account_id = @account_id AND key_id = @key_id\n{PageOrder}";

    public const string SelectTotals = "SELECT CAST(COALESCE(SUM(charge_micros), 0) AS BIGINT), COUNT(*) FROM usage_records WHERE account_id = @account_id";

    public static void Bind(DbCommand command, UsageRecord u) => command
        .Add("@request_id", u.RequestId)
        .Add("@account_id", u.AccountId)
        .Add("@key_id", u.KeyId)
        .Add("@created_at", DbValues.ToMillis(u.CreatedAt))
        .Add("@surface", u.Surface)
        .Add("@requested_model", u.RequestedModel)
        .Add("@upstream_model", u.UpstreamModel)
        .Add("@reported_model", DbValues.ToDb(u.ReportedModel))
        .Add("@channel_id", DbValues.ToDb(u.ChannelId))
        .Add("@outcome", OutcomeName(u.Outcome))
        .Add("@reported_input_tokens", DbValues.ToDb(u.ReportedInputTokens))
        .Add("@reported_output_tokens", DbValues.ToDb(u.ReportedOutputTokens))
        .Add("@reported_cached_input_tokens", DbValues.ToDb(u.ReportedCachedInputTokens))
        .Add("@reported_cache_write_tokens", DbValues.ToDb(u.ReportedCacheWriteTokens))
        .Add("@reported_reasoning_tokens", DbValues.ToDb(u.ReportedReasoningTokens))
        .Add("@reported_total_tokens", DbValues.ToDb(u.ReportedTotalTokens))
        .Add("@counted_input_tokens", DbValues.ToDb(u.CountedInputTokens))
        .Add("@counted_output_tokens", DbValues.ToDb(u.CountedOutputTokens))
        .Add("@billed_source", SourceName(u.BilledSource))
        .Add("@charge_micros", u.ChargeMicros)
        .Add("@duration_ms", u.DurationMs);

    public static UsageRecord Read(DbDataReader r) => new()
    {
        RequestId = r.GetString(0),
        AccountId = r.GetString(1),
        KeyId = r.GetString(2),
        CreatedAt = r.GetTime(3),
        Surface = r.GetString(4),
        RequestedModel = r.GetString(5),
        UpstreamModel = r.GetString(6),
        ReportedModel = r.GetStringOrNull(7),
        ChannelId = r.GetStringOrNull(8),
        Outcome = ParseOutcome(r.GetString(9)),
        ReportedInputTokens = r.GetInt32OrNull(10),
        ReportedOutputTokens = r.GetInt32OrNull(11),
        ReportedCachedInputTokens = r.GetInt32OrNull(12),
        ReportedCacheWriteTokens = r.GetInt32OrNull(13),
        ReportedReasoningTokens = r.GetInt32OrNull(14),
        ReportedTotalTokens = r.GetInt32OrNull(15),
        CountedInputTokens = r.GetInt32OrNull(16),
        CountedOutputTokens = r.GetInt32OrNull(17),
        BilledSource = ParseSource(r.GetString(18)),
        ChargeMicros = r.GetInt64(19),
        DurationMs = r.GetInt64(20),
    };

    public static string OutcomeName(UsageOutcome outcome) => outcome switch
    {
        UsageOutcome.Complete => "complete",
        UsageOutcome.Partial => "partial",
        UsageOutcome.Failed => "failed",
        UsageOutcome.Cancelled => "cancelled",
        UsageOutcome.Interrupted => "interrupted",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };

    public static UsageOutcome ParseOutcome(string name) => name switch
    {
        "complete" => UsageOutcome.Complete,
        "partial" => UsageOutcome.Partial,
        "failed" => UsageOutcome.Failed,
        "cancelled" => UsageOutcome.Cancelled,
        "interrupted" => UsageOutcome.Interrupted,
        _ => throw new InvalidDataException($"Unknown outcome '{name}'."),
    };

    public static string SourceName(BilledSource source) => source switch
    {
        BilledSource.Upstream => "upstream",
        BilledSource.Candor => "candor",
        BilledSource.None => "none",
        _ => throw new ArgumentOutOfRangeException(nameof(source)),
    };

    public static BilledSource ParseSource(string name) => name switch
    {
        "upstream" => BilledSource.Upstream,
        "candor" => BilledSource.Candor,
        "none" => BilledSource.None,
        _ => throw new InvalidDataException($"Unknown billed source '{name}'."),
    };
}
