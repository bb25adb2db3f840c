using System.Globalization;
using System.Text;
using Candor.Core.Accounts;
using Candor.Server.WebConsole;

namespace Candor.Server.Admin;

/// <summary><c>GET /admin/v1/accounts/{accountId}/usage.csv</c>: an account's usage records as CSV (RFC 4180), newest
/// first, with the usage list's filters (<see cref="UsageQuery"/>). The rows are read from the store a page at a time
/// and written as each page arrives, so neither the server nor the client holds the whole table.</summary>
internal static class UsageExportEndpoints
{
    /// <summary>Rows read from the store per page.</summary>
    public const int PageSize = 500;

    private const string Header =
        "created_at,request_id,key_id,surface,requested_model,upstream_model,reported_model,channel,outcome,"
        + "input_tokens,output_tokens,reported_input_tokens,reported_output_tokens,counted_input_tokens,counted_output_tokens,"
        + "billed_source,charge_usd,duration_ms\r\n";

    public static void MapUsageExport(this RouteGroupBuilder admin) =>
        admin.MapGet("/accounts/{accountId}/usage.csv", AdminEndpoints.Guard(ExportAsync))
            .Operation("exportUsage", "An account's usage records as CSV (RFC 4180), newest first, with the usage list's filters; streamed a page at a time.")
            .Query(UsageQuery.Parameters)
            .Returns(StatusCodes.Status200OK, "CSV with a header row.", "text/csv")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

    private static async Task ExportAsync(HttpContext http)
    {
        string accountId = AdminHttp.Route(http, "accountId");
        var filter = UsageQuery.Read(http.Request) with { OwnerPrincipal = http.Features.Get<ConsoleKeyScope>()?.Principal };
        if (await http.RequestServices.GetRequiredService<IAccountStore>().GetAccountAsync(accountId, http.RequestAborted).ConfigureAwait(false) is null)
        {
            await AdminHttp.NotFoundAsync(http, "account").ConfigureAwait(false);
            return;
        }

        var reports = http.RequestServices.GetRequiredService<IUsageReports>();
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"usage-{Safe(accountId)}.csv\"";
        http.Response.Headers.CacheControl = "no-store";
        var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 16 * 1024, leaveOpen: true);
        await using (writer.ConfigureAwait(false))
        {
            await writer.WriteAsync(Header.AsMemory(), http.RequestAborted).ConfigureAwait(false);
            string? cursor = null;
            var line = new StringBuilder(256);
            do
            {
                var page = await reports.ListUsageFilteredAsync(accountId, filter, PageSize, cursor, http.RequestAborted).ConfigureAwait(false);
                foreach (var u in page.Items)
                {
                    line.Clear();
                    Row(line, u);
                    await writer.WriteAsync(line, http.RequestAborted).ConfigureAwait(false);
                }

                await writer.FlushAsync(http.RequestAborted).ConfigureAwait(false);
                cursor = page.NextCursor;
            }
            while (cursor is not null);
        }
    }

    private static void Row(StringBuilder line, UsageRecord u)
    {
        Field(line, u.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        Field(line, u.RequestId);
        Field(line, u.KeyId);
        Field(line, u.Surface);
        Field(line, u.RequestedModel);
        Field(line, u.UpstreamModel);
        Field(line, u.ReportedModel);
        Field(line, u.ChannelId);
        Field(line, AdminJson.OutcomeName(u.Outcome));
        Number(line, u.ReportedInputTokens ?? u.CountedInputTokens);
        Number(line, u.ReportedOutputTokens ?? u.CountedOutputTokens);
        Number(line, u.ReportedInputTokens);
        Number(line, u.ReportedOutputTokens);
        Number(line, u.CountedInputTokens);
        Number(line, u.CountedOutputTokens);
        Field(line, u.BilledSource switch { BilledSource.Upstream => "upstream", BilledSource.Candor => "candor", _ => "none" });
        Field(line, (u.ChargeMicros / 1_000_000m).ToString("0.000000", CultureInfo.InvariantCulture));
        line.Append(u.DurationMs.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
    }

    private static void Number(StringBuilder line, int? value)
    {
        if (value is { } v)
        {
            line.Append(v.ToString(CultureInfo.InvariantCulture));
        }

        line.Append(',');
    }

    /// <summary>Appends a field and its comma: quoted when it holds a comma, quote or line break (RFC 4180), and
    /// prefixed with an apostrophe when it would start a spreadsheet formula (a model name is client text).</summary>
    private static void Field(StringBuilder line, string? value)
    {
        value ??= "";
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        if (value.AsSpan().IndexOfAny(",\"\r\n") >= 0)
        {
            line.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        }
        else
        {
            line.Append(value);
        }

        line.Append(',');
    }

    private static string Safe(string id) => string.Concat(id.Where(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
}
