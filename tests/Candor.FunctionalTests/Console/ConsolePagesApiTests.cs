using System.Text.Json;
using Candor.Core.Accounts;
using Candor.FunctionalTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Candor.FunctionalTests.WebConsole;

/// <summary>The admin routes behind the console's operator and member pages, over HTTP: per-member key ownership
/// (a member sees, reads and revokes only its own keys and their usage; owners see all), the filtered usage list and
/// its CSV export streamed across store pages, the dashboard's usage series and its bounds, history and settings
/// access, and server-side paging of the in-memory lists.</summary>
public sealed class ConsolePagesApiTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [Fact]
    public async Task PlainMember_SeesAndManagesOnlyOwnKeys_OwnerSeesAll()
    {
        using var owner = await SignedInAsync(fixture.MemberLogin);
        using var member = await SignedInAsync(fixture.PlainMemberLogin);
        string keys = $"/admin/v1/accounts/{fixture.AccountA}/keys";

        var (created, ownersKey) = await owner.SendAsync(HttpMethod.Post, keys, """{"name":"owner's key"}""");
        Assert.Equal(201, created);
        var (createdByMember, membersKey) = await member.SendAsync(HttpMethod.Post, keys, """{"name":"member's key"}""");
        Assert.Equal(201, createdByMember);
        var (_, operatorsKey) = await fixture.AdminAsync(HttpMethod.Post, keys, """{"name":"operator's key"}""");
        string ownerKeyId = ownersKey.GetProperty("id").GetString()!;
        string memberKeyId = membersKey.GetProperty("id").GetString()!;
        string operatorKeyId = operatorsKey.GetProperty("id").GetString()!;

        // The member lists only its own key; the owner lists all three.
        var (_, memberList) = await member.SendAsync(HttpMethod.Get, keys);
        Assert.Contains(memberKeyId, Ids(memberList));
        Assert.DoesNotContain(ownerKeyId, Ids(memberList));
        Assert.DoesNotContain(operatorKeyId, Ids(memberList));
        Assert.All(memberList.GetProperty("data").EnumerateArray(), k => Assert.Contains("member", k.GetProperty("name").GetString(), StringComparison.Ordinal));
        var (_, ownerList) = await owner.SendAsync(HttpMethod.Get, keys);
        Assert.Superset(new HashSet<string> { ownerKeyId, memberKeyId, operatorKeyId }, Ids(ownerList).ToHashSet());

        // Another login's key is closed to the member: read, revoke, limits.
        foreach (string other in new[] { ownerKeyId, operatorKeyId })
        {
            Assert.Equal(403, (await member.SendAsync(HttpMethod.Get, $"{keys}/{other}")).Status);
            Assert.Equal(403, (await member.SendAsync(HttpMethod.Post, $"{keys}/{other}/revoke")).Status);
            Assert.Equal(403, (await member.SendAsync(HttpMethod.Patch, $"{keys}/{other}", """{"rpm_limit":1}""")).Status);
        }

        var (_, stillActive) = await fixture.AdminAsync(HttpMethod.Get, $"{keys}/{ownerKeyId}");
        Assert.Equal(JsonValueKind.Null, stillActive.TryGetProperty("revoked_at", out var revoked) ? revoked.ValueKind : JsonValueKind.Null);

        // Its own key it reads and revokes; the owner revokes any.
        Assert.Equal(200, (await member.SendAsync(HttpMethod.Get, $"{keys}/{memberKeyId}")).Status);
        Assert.Equal(200, (await member.SendAsync(HttpMethod.Post, $"{keys}/{memberKeyId}/revoke")).Status);
        Assert.Equal(200, (await owner.SendAsync(HttpMethod.Post, $"{keys}/{operatorKeyId}/revoke")).Status);
    }

    [Fact]
    public async Task PlainMember_SeesOnlyOwnKeysUsage_InListExportAndLookup()
    {
        using var owner = await SignedInAsync(fixture.MemberLogin);
        using var member = await SignedInAsync(fixture.PlainMemberLogin);
        string account = $"/admin/v1/accounts/{fixture.AccountA}";
        var (_, ownersKey) = await owner.SendAsync(HttpMethod.Post, account + "/keys", """{"name":"owner usage"}""");
        var (_, membersKey) = await member.SendAsync(HttpMethod.Post, account + "/keys", """{"name":"member usage"}""");
        Assert.Equal(200, await fixture.ChatAsync(ownersKey.GetProperty("key").GetString()!));
        Assert.Equal(200, await fixture.ChatAsync(membersKey.GetProperty("key").GetString()!));
        string ownerKeyId = ownersKey.GetProperty("id").GetString()!;
        string memberKeyId = membersKey.GetProperty("id").GetString()!;

        var (_, memberUsage) = await member.SendAsync(HttpMethod.Get, account + "/usage?limit=100");
        var memberKeys = memberUsage.GetProperty("data").EnumerateArray().Select(u => u.GetProperty("key_id").GetString()).ToHashSet();
        Assert.Contains(memberKeyId, memberKeys);
        Assert.DoesNotContain(ownerKeyId, memberKeys);
        var (_, ownerUsage) = await owner.SendAsync(HttpMethod.Get, account + "/usage?limit=100");
        var ownerRecords = ownerUsage.GetProperty("data").EnumerateArray().ToList();
        Assert.Contains(ownerRecords, u => u.GetProperty("key_id").GetString() == ownerKeyId);
        Assert.Contains(ownerRecords, u => u.GetProperty("key_id").GetString() == memberKeyId);

        // The owner's request, looked up by id, is as unknown to the member as a made-up one.
        string ownersRequest = ownerRecords.First(u => u.GetProperty("key_id").GetString() == ownerKeyId).GetProperty("request_id").GetString()!;
        Assert.Equal(200, (await owner.SendAsync(HttpMethod.Get, $"{account}/usage/{ownersRequest}")).Status);
        Assert.Equal(404, (await member.SendAsync(HttpMethod.Get, $"{account}/usage/{ownersRequest}")).Status);

        // The CSV export is narrowed the same way.
        string memberCsv = await CsvAsync(member, account + "/usage.csv");
        Assert.Contains(memberKeyId, memberCsv, StringComparison.Ordinal);
        Assert.DoesNotContain(ownerKeyId, memberCsv, StringComparison.Ordinal);
        Assert.Contains(ownerKeyId, await CsvAsync(owner, account + "/usage.csv"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsageCsv_StreamsEveryFilteredRowAcrossStorePages_AndDefusesFormulas()
    {
        string accountId = await NewAccountAsync("csv");
        var start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        int rows = UsageExportEndpointsPageSize * 2 + 37;
        await SeedAsync(Enumerable.Range(0, rows).Select(i => Usage(accountId, $"req_csv_{i:D5}", start.AddSeconds(i), i % 3 == 0 ? "=HYPERLINK(\"x\")" : "m-plain", 40, UsageOutcome.Complete)));

        using var response = await OperatorGetAsync($"/admin/v1/accounts/{accountId}/usage.csv");
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        string[] lines = (await response.Content.ReadAsStringAsync(Json.Timeout())).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("created_at,request_id,", lines[0], StringComparison.Ordinal);
        Assert.Equal(rows, lines.Length - 1);
        Assert.Equal(rows, lines.Skip(1).Select(l => l.Split(',')[1]).Distinct().Count());
        Assert.Contains($"req_csv_{rows - 1:D5}", lines[1], StringComparison.Ordinal); // newest first
        Assert.DoesNotContain(lines, l => l.Contains(",=HYPERLINK", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(",\"'=HYPERLINK(\"\"x\"\")\",", StringComparison.Ordinal));

        // Filters: model, and a time range (from inclusive, to exclusive).
        using var byModel = await OperatorGetAsync($"/admin/v1/accounts/{accountId}/usage.csv?model=m-plain");
        Assert.Equal(rows - ((rows + 2) / 3), (await byModel.Content.ReadAsStringAsync(Json.Timeout())).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length - 1);
        string from = Uri.EscapeDataString(start.AddSeconds(10).ToString("O"));
        string to = Uri.EscapeDataString(start.AddSeconds(20).ToString("O"));
        var (_, page) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{accountId}/usage?from={from}&to={to}&limit=100");
        Assert.Equal(10, page.GetProperty("data").GetArrayLength());
        Assert.Equal(400, (await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{accountId}/usage.csv?outcome=won")).Status);
    }

    [Fact]
    public async Task UsageSeries_AggregatesPerBucket_AndBoundsItsRange()
    {
        string accountId = await NewAccountAsync("series");
        var t0 = new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);
        await SeedAsync([
            Usage(accountId, "req_s1", t0.AddMinutes(1), "m", 10, UsageOutcome.Complete, input: 100, charge: 1000),
            Usage(accountId, "req_s2", t0.AddMinutes(2), "m", 60, UsageOutcome.Failed, input: 200, charge: 1000),
            Usage(accountId, "req_s3", t0.AddMinutes(59), "m", 2000, UsageOutcome.Complete, input: 300, charge: 1000),
            Usage(accountId, "req_s4", t0.AddHours(2).AddMinutes(5), "m", 400, UsageOutcome.Cancelled, input: 7, charge: 0),
            Usage(accountId, "req_s5", t0.AddHours(5), "m", 5, UsageOutcome.Complete), // outside the range
        ]);

        string range = $"from={Uri.EscapeDataString(t0.ToString("O"))}&to={Uri.EscapeDataString(t0.AddHours(4).ToString("O"))}";
        var (status, series) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/usage/series?{range}&bucket_seconds=3600&account_id={accountId}");
        Assert.Equal(200, status);
        var data = series.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(2, data.Count);
        Assert.Equal(t0, data[0].GetProperty("start").GetDateTimeOffset());
        Assert.Equal(3, data[0].GetProperty("requests").GetInt64());
        Assert.Equal(1, data[0].GetProperty("errors").GetInt64());
        Assert.Equal(600, data[0].GetProperty("input_tokens").GetInt64());
        Assert.Equal(3000, data[0].GetProperty("charge_micros").GetInt64());
        Assert.Equal(75, data[0].GetProperty("latency_ms").GetProperty("p50").GetInt64()); // 60 ms lies in the (50, 75] bin
        Assert.Equal(2000, data[0].GetProperty("latency_ms").GetProperty("p99").GetInt64());
        Assert.Equal(t0.AddHours(2), data[1].GetProperty("start").GetDateTimeOffset());
        Assert.Equal(0, data[1].GetProperty("errors").GetInt64()); // a client's cancel is not an error
        Assert.Equal(450, data[1].GetProperty("latency_ms").GetProperty("p90").GetInt64());

        // Bounded: at most 93 days and 500 buckets, from before to.
        string year = $"from={Uri.EscapeDataString(t0.ToString("O"))}&to={Uri.EscapeDataString(t0.AddDays(365).ToString("O"))}";
        Assert.Equal(400, (await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/usage/series?{year}")).Status);
        string day = $"from={Uri.EscapeDataString(t0.ToString("O"))}&to={Uri.EscapeDataString(t0.AddDays(1).ToString("O"))}";
        Assert.Equal(400, (await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/usage/series?{day}&bucket_seconds=60")).Status); // 1,440 buckets
        Assert.Equal(400, (await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/usage/series?from={Uri.EscapeDataString(t0.AddHours(1).ToString("O"))}&to={Uri.EscapeDataString(t0.ToString("O"))}")).Status);
    }

    [Fact]
    public async Task HistorySettingsAndSeries_AreClosedToMembersByRole()
    {
        using var owner = await SignedInAsync(fixture.MemberLogin);
        using var member = await SignedInAsync(fixture.PlainMemberLogin);
        string history = $"/admin/v1/accounts/{fixture.AccountA}/history";

        // History holds what the account's requests said: owners and admins only.
        Assert.Equal(403, (await member.SendAsync(HttpMethod.Get, history)).Status);
        Assert.Equal(403, (await member.SendAsync(HttpMethod.Delete, history)).Status);
        var (read, entries) = await owner.SendAsync(HttpMethod.Get, history);
        Assert.Equal(200, read);
        Assert.Equal(JsonValueKind.Array, entries.GetProperty("data").ValueKind);
        Assert.Equal(200, (await owner.SendAsync(HttpMethod.Delete, history)).Status);

        // Server-wide pages are the operator's.
        foreach (string path in new[] { "/admin/v1/usage/series", "/admin/v1/settings", "/admin/v1/audit", "/admin/v1/prices", "/admin/v1/deployments" })
        {
            Assert.Equal(403, (await owner.SendAsync(HttpMethod.Get, path)).Status);
            Assert.Equal(403, (await member.SendAsync(HttpMethod.Get, path)).Status);
        }

        // Another account's export, ledger and history stay closed.
        foreach (string path in new[] { "/usage.csv", "/ledger", "/history", "/balance" })
        {
            Assert.Equal(403, (await owner.SendAsync(HttpMethod.Get, $"/admin/v1/accounts/{fixture.AccountB}{path}")).Status);
        }
    }

    [Fact]
    public async Task Settings_ShowTheFileWithoutSecrets()
    {
        using var response = await OperatorGetAsync("/admin/v1/settings");
        string text = await response.Content.ReadAsStringAsync(Json.Timeout());
        using var settings = JsonDocument.Parse(text);
        Assert.Equal("sqlite", settings.RootElement.GetProperty("server").GetProperty("storage").GetString());
        Assert.True(settings.RootElement.GetProperty("configured_channels").GetInt32() > 0);
        Assert.DoesNotContain(fixture.OperatorKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(CandorFixture.Key, text, StringComparison.Ordinal);
        Assert.DoesNotContain("UPSTREAM_KEY", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InMemoryLists_PageOnTheServer()
    {
        var seen = new List<string>();
        string? cursor = null;
        int pages = 0;
        do
        {
            var (status, page) = await fixture.AdminAsync(HttpMethod.Get, "/admin/v1/prices?limit=7" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            Assert.Equal(200, status);
            Assert.True(page.GetProperty("data").GetArrayLength() <= 7);
            seen.AddRange(page.GetProperty("data").EnumerateArray().Select(p => p.GetProperty("model").GetString() + "/" + (p.TryGetProperty("channel", out var c) ? c.GetString() : "")));
            cursor = page.GetProperty("has_more").GetBoolean() ? page.GetProperty("next_cursor").GetString() : null;
            pages++;
        }
        while (cursor is not null && pages < 500);

        var (_, whole) = await fixture.AdminAsync(HttpMethod.Get, "/admin/v1/prices");
        Assert.True(pages > 1, "the price list fits one page of 7; the test proves nothing");
        Assert.Equal(whole.GetProperty("data").GetArrayLength(), seen.Count);
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    private const int UsageExportEndpointsPageSize = 500;

    private async Task<ConsoleClient> SignedInAsync(string principal)
    {
        var client = fixture.NewSession();
        Assert.Equal(200, (await client.SignInAsync(principal, ConsoleFixture.Password)).Status);
        return client;
    }

    private static List<string> Ids(JsonElement list) =>
        [.. list.GetProperty("data").EnumerateArray().Select(k => k.GetProperty("id").GetString()!)];

    private static async Task<string> CsvAsync(ConsoleClient client, string path)
    {
        using var response = await client.SendRawAsync(HttpMethod.Get, path);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(Json.Timeout());
    }

    private async Task<HttpResponseMessage> OperatorGetAsync(string path)
    {
        using var client = new HttpClient { BaseAddress = fixture.BaseAddress, Timeout = TimeSpan.FromSeconds(20) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", fixture.OperatorKey);
        var response = await client.GetAsync(path, Json.Timeout());
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        await response.Content.LoadIntoBufferAsync(Json.Timeout());
        return response;
    }

    private async Task<string> NewAccountAsync(string name)
    {
        var (status, account) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/accounts", $$"""{"name":"{{name}}"}""");
        Assert.Equal(201, status);
        string id = account.GetProperty("id").GetString()!;
        Assert.Equal(201, (await fixture.AdminAsync(HttpMethod.Post, $"/admin/v1/accounts/{id}/top-ups", """{"amount_micros":100000000}""")).Status);
        return id;
    }

    private async Task SeedAsync(IEnumerable<UsageRecord> records)
    {
        var ledger = fixture.App.Services.GetRequiredService<ILedgerStore>();
        await Task.WhenAll(records.Select(r => ledger.RecordUsageAsync(r, r.ChargeMicros == 0 ? null : LedgerEntry.ChargeFor(r), Json.Timeout())));
    }

    private static UsageRecord Usage(string accountId, string requestId, DateTimeOffset at, string model, long durationMs, UsageOutcome outcome, int input = 1, long charge = 0) => new()
    {
        RequestId = requestId,
        AccountId = accountId,
        KeyId = "key_seeded",
        CreatedAt = at,
        Surface = "openai.chat",
        RequestedModel = model,
        UpstreamModel = model,
        Outcome = outcome,
        ReportedInputTokens = input,
        ReportedOutputTokens = 2,
        BilledSource = BilledSource.Upstream,
        ChargeMicros = charge,
        DurationMs = durationMs,
    };
}
