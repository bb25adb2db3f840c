using System.Globalization;
using Candor.Core.Accounts;

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

    private static readonly double[] Quantiles = [0.5, 0.9, 0.99];

    public static void MapUsageSeries(this RouteGroupBuilder admin) =>
        admin.MapGet("/usage/series", AdminEndpoints.Guard(GetAsync));

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
        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            AdminJson.Time(w, "from", from);
            AdminJson.Time(w, "to", to);
            w.WriteNumber("bucket_seconds", seconds);
            w.WriteString("latency", "upper bound of the histogram bin holding the percentile (never below the true value)");
            w.WriteStartArray("data");
            foreach (var b in buckets)
            {
                w.WriteStartObject();
                AdminJson.Time(w, "start", b.Start);
                w.WriteNumber("requests", b.Requests);
                w.WriteNumber("errors", b.Errors);
                w.WriteNumber("error_rate", b.Requests == 0 ? 0 : Math.Round((double)b.Errors / b.Requests, 4));
                w.WriteNumber("input_tokens", b.InputTokens);
                w.WriteNumber("output_tokens", b.OutputTokens);
                w.WriteNumber("charge_micros", b.ChargeMicros);
                w.WriteStartObject("latency_ms");
                foreach (double q in Quantiles)
                {
                    string name = "p" + (q * 100).ToString(CultureInfo.InvariantCulture);
                    if (b.LatencyPercentileMs(q) is { } ms)
                    {
                        w.WriteNumber(name, ms);
                    }
                    else
                    {
                        w.WriteNull(name);
                    }
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }
}
