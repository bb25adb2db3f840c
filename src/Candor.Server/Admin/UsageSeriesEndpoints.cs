using System.Globalization;
using Candor.Core.Accounts;
using Candor.Server.Admin.Contracts;

namespace Candor.Server.Admin;

/// <summary><c>GET /admin/v1/usage/series</c>: usage per time bucket for the operator dashboard — requests, error rate,
/// tokens, spend and latency percentiles — aggregated in the store over a bounded range: <c>from</c>/<c>to</c>
/// (ISO-8601, default the last 24 hours), <c>bucket_seconds</c> (default: the range in 48 buckets, at least 60),
/// optionally <c>account_id</c>. At most <see cref="MaxRange"/> and <see cref="MaxBuckets"/> buckets. Operator only.</summary>
internal static class UsageSeriesEndpoints
{
    /// <summary>The longest range one request may aggregate.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(93);

    /// <summary>The most buckets one answer may hold.</summary>
    public const int MaxBuckets = 500;

    private const int DefaultBuckets = 48;

    public static void MapUsageSeries(this RouteGroupBuilder admin) =>
        admin.MapGet("/usage/series", AdminEndpoints.Guard(GetAsync))
            .Operation("getUsageSeries", "Usage per time bucket across accounts (or one): requests, errors and error rate, tokens, spend and "
                + "latency percentiles (p50/p90/p99, the upper bound of the histogram bin holding each). At most 93 days and 500 buckets.")
            .Query(
                new("from", "Start, ISO-8601 (default: 24 hours before to).", Format: "date-time"),
                new("to", "End, exclusive, ISO-8601 (default: now).", Format: "date-time"),
                new("bucket_seconds", "Bucket length, at least 60 (default: the range in 48 buckets).", "integer"),
                new("account_id", "Only this account."))
            .Returns<UsageSeriesView>(StatusCodes.Status200OK, "The buckets that have usage, oldest first.")
            .Fails(StatusCodes.Status400BadRequest);

    private static async Task GetAsync(HttpContext http)
    {
        var request = http.Request;
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var to = UsageQuery.Time(request, "to") ?? now;
        var from = UsageQuery.Time(request, "from") ?? to.AddDays(-1);
        if (from >= to)
        {
            throw new AdminInputException("from", "from must be before to.");
        }

        if (to - from > MaxRange)
        {
            throw new AdminInputException("from", $"The range may span at most {MaxRange.TotalDays} days.");
        }

        long seconds = Math.Max(60, (long)Math.Ceiling((to - from).TotalSeconds / DefaultBuckets));
        if (request.Query["bucket_seconds"].ToString() is { Length: > 0 } text
            && (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out seconds) || seconds < 60 || seconds > MaxRange.TotalSeconds))
        {
            throw new AdminInputException("bucket_seconds", "bucket_seconds must be an integer from 60 to the range's length.");
        }

        if ((to - from).TotalSeconds / seconds > MaxBuckets)
        {
            throw new AdminInputException("bucket_seconds", $"The range would need more than {MaxBuckets} buckets; choose larger buckets.");
        }

        string? accountId = request.Query["account_id"].ToString() is { Length: > 0 } a ? a : null;
        var buckets = await http.RequestServices.GetRequiredService<IUsageReports>()
            .GetUsageSeriesAsync(from, to, TimeSpan.FromSeconds(seconds), accountId, http.RequestAborted).ConfigureAwait(false);
        var series = new UsageSeriesView(
            from.UtcDateTime, to.UtcDateTime, seconds, "upper bound of the histogram bin holding the percentile (never below the true value)",
            [.. buckets.Select(UsageBucketView.From)]);
        await AdminHttp.WriteAsync(http, StatusCodes.Status200OK, series, AdminJsonContext.Default.UsageSeriesView).ConfigureAwait(false);
    }
}
