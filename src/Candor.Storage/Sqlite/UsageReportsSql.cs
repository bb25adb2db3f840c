using System.Globalization;
using System.Text;
using Candor.Core.Accounts;

namespace Candor.Storage.Sqlite;

/// <summary>The report queries on <c>usage_records</c> (filtered pages, totals per time bucket) and the statements on
/// <c>console_key_owners</c>. Filters and latency bins are composed from fixed fragments; values are parameters.</summary>
internal static class UsageReportsSql
{
    /// <summary>A filtered page: only the conditions whose filter field is set are added.</summary>
    public static string SelectPage(UsageFilter filter)
    {
        var sql = new StringBuilder("SELECT ").Append(UsageSql.Columns).Append(" FROM usage_records WHERE account_id = @account_id");
        if (filter.From is not null)
        {
            sql.Append(" AND created_at >= @from");
        }

        if (filter.To is not null)
        {
            sql.Append(" AND created_at < @to");
        }

        if (filter.Model is not null)
        {
            sql.Append(" AND requested_model = @model");
        }

        if (filter.Outcome is not null)
        {
            sql.Append(" AND outcome = @outcome");
        }

        if (filter.KeyId is not null)
        {
            sql.Append(" AND key_id = @key_id");
        }

        if (filter.OwnerPrincipal is not null)
        {
            sql.Append(" AND key_id IN (SELECT key_id FROM console_key_owners WHERE account_id = @account_id AND principal = @owner)");
        }

        return sql.Append('\n').Append(UsageSql.PageOrder).ToString();
    }

    /// <summary>Totals per bucket over every account.</summary>
    public static readonly string SelectSeries = Series(oneAccount: false);

    /// <summary>Totals per bucket of one account.</summary>
    public static readonly string SelectSeriesOfAccount = Series(oneAccount: true);

    // Columns: bucket start, requests, errors, input tokens, output tokens, charge, then one count per latency bin.
    // Positional GROUP BY keeps the bucket expression written once (SQLite and PostgreSQL both accept it); every
    // aggregate is cast to BIGINT because PostgreSQL's SUM over BIGINT is NUMERIC.
    private static string Series(bool oneAccount)
    {
        var sql = new StringBuilder("""
            SELECT (created_at / @bucket) * @bucket, CAST(COUNT(*) AS BIGINT),
                   CAST(SUM(CASE WHEN outcome IN ('failed', 'partial', 'interrupted') THEN 1 ELSE 0 END) AS BIGINT),
                   CAST(SUM(COALESCE(reported_input_tokens, counted_input_tokens, 0)) AS BIGINT),
                   CAST(SUM(COALESCE(reported_output_tokens, counted_output_tokens, 0)) AS BIGINT),
                   CAST(SUM(charge_micros) AS BIGINT)
            """);
        var bounds = UsageBucket.LatencyBoundsMs;
        for (int i = 0; i <= bounds.Count; i++)
        {
            string low = i == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"duration_ms > {bounds[i - 1]}");
            string high = i == bounds.Count ? "" : string.Create(CultureInfo.InvariantCulture, $"duration_ms <= {bounds[i]}");
            string condition = low.Length == 0 ? high : high.Length == 0 ? low : low + " AND " + high;
            sql.Append(",\n       CAST(SUM(CASE WHEN ").Append(condition).Append(" THEN 1 ELSE 0 END) AS BIGINT)");
        }

        sql.Append("\nFROM usage_records WHERE created_at >= @from AND created_at < @to");
        if (oneAccount)
        {
            sql.Append(" AND account_id = @account_id");
        }

        return sql.Append("\nGROUP BY 1 ORDER BY 1").ToString();
    }

    /// <summary>Reads one row of <see cref="SelectSeries"/>.</summary>
    public static UsageBucket ReadBucket(System.Data.Common.DbDataReader r)
    {
        var counts = new long[UsageBucket.LatencyBoundsMs.Count + 1];
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] = r.GetInt64(6 + i);
        }

        return new UsageBucket(r.GetTime(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), counts);
    }

    public const string UpsertOwner = """
        INSERT INTO console_key_owners (key_id, account_id, principal, created_at)
        VALUES (@key_id, @account_id, @principal, @created_at)
        ON CONFLICT (key_id) DO UPDATE SET account_id = excluded.account_id, principal = excluded.principal, created_at = excluded.created_at
        """;

    public const string SelectOwner = "SELECT principal FROM console_key_owners WHERE key_id = @key_id AND account_id = @account_id";

    public const string SelectOwned = "SELECT key_id FROM console_key_owners WHERE account_id = @account_id AND principal = @principal";
}
