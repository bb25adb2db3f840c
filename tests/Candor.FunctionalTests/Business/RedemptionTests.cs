using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Business;

/// <summary>Redemption codes through the real server: an operator's batch, redeemed by members with their keys over
/// <c>POST /v1/redeem</c>, exactly once under a crowd, with brute force refused.</summary>
public sealed class RedemptionTests
{
    private static async Task<CandorTestHost> StartAsync() => await CandorTestHost.Create()
        .Prefix("candor-redeem-")
        .WithClientTimeout(TimeSpan.FromSeconds(30))
        .Yaml(emu => $$"""
        server:
          data_dir: data
        channels:
          - { id: oa, provider: openai, base_url: {{emu}}/v1, api_key_env: UPSTREAM_KEY }
        models:
          - { name: m, deployments: [{ channel: oa, model: gpt-4o-mini }] }
        """)
        .StartAsync();


    [Fact]
    public async Task HundredParallelRedeemsOfOneCode_ExactlyOneCredit()
    {
        await using var host = await StartAsync();
        var (status, batchText) = await host.SendAsync(host.OperatorKey, HttpMethod.Post, "/admin/v1/redemption-batches",
            """{"amount_usd":"2.50","count":1,"note":"launch promo"}""", Json.Timeout());
        Assert.True(status == 201, batchText);
        var batch = Json.ParseOrDefault(batchText);
        string code = batch.GetProperty("codes")[0].GetProperty("code").GetString()!;
        var members = new List<(string AccountId, string Key)>();
        for (int i = 0; i < 4; i++)
        {
            members.Add(await host.MemberAsync("member" + i));
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
            host.SendAsync(members[i % 4].Key, HttpMethod.Post, "/v1/redeem", $$"""{"code":"{{code}}"}""", Json.Timeout(60))));

        Assert.Single(results, static r => r.Status == 200);
        Assert.All(results.Where(static r => r.Status != 200), static r => Assert.Equal(409, r.Status));
        Assert.Contains("code_already_redeemed", results.First(static r => r.Status == 409).Text, StringComparison.Ordinal);
        long credited = 0;
        foreach (var (accountId, _) in members)
        {
            var (_, balance) = await host.SendAsync(host.OperatorKey, HttpMethod.Get, $"/admin/v1/accounts/{accountId}/balance", null, Json.Timeout());
            credited += Json.ParseOrDefault(balance).GetProperty("balance_micros").GetInt64();
            var (_, ledger) = await host.SendAsync(host.OperatorKey, HttpMethod.Get, $"/admin/v1/accounts/{accountId}/ledger", null, Json.Timeout());
            Assert.True(Json.ParseOrDefault(ledger).GetProperty("data").GetArrayLength() <= 1);
        }

        Assert.Equal(2_500_000, credited);
        var (_, listed) = await host.SendAsync(host.OperatorKey, HttpMethod.Get, $"/admin/v1/redemption-batches/{batch.GetProperty("id").GetString()}", null, Json.Timeout());
        var stored = Json.ParseOrDefault(listed).GetProperty("data")[0];
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, stored.GetProperty("redeemed_at").ValueKind);
        Assert.DoesNotContain(code, listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BatchList_IsPagedByCursor_EveryCodeOnce_UnknownBatch404_BadCursor400()
    {
        await using var host = await StartAsync();
        var (status, batchText) = await host.SendAsync(host.OperatorKey, HttpMethod.Post, "/admin/v1/redemption-batches", """{"amount_micros":1000,"count":7}""", Json.Timeout());
        Assert.Equal(201, status);
        var batch = Json.ParseOrDefault(batchText);
        string batchId = batch.GetProperty("id").GetString()!;
        var created = batch.GetProperty("codes").EnumerateArray().Select(static c => c.GetProperty("id").GetString()!).ToHashSet(StringComparer.Ordinal);

        var listed = new List<string>();
        string? cursor = null;
        int pages = 0;
        do
        {
            var (ok, text) = await host.SendAsync(host.OperatorKey, HttpMethod.Get,
                $"/admin/v1/redemption-batches/{batchId}?limit=3" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), null, Json.Timeout());
            Assert.Equal(200, ok);
            var page = Json.ParseOrDefault(text);
            listed.AddRange(page.GetProperty("data").EnumerateArray().Select(static c => c.GetProperty("id").GetString()!));
            bool more = page.GetProperty("has_more").GetBoolean();
            Assert.Equal(more, page.TryGetProperty("next_cursor", out var next));
            cursor = more ? next.GetString() : null;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(7, listed.Count);
        Assert.True(created.SetEquals(listed));
        Assert.Equal(404, (await host.SendAsync(host.OperatorKey, HttpMethod.Get, "/admin/v1/redemption-batches/rcb_none", null, Json.Timeout())).Status);
        var (badStatus, badText) = await host.SendAsync(host.OperatorKey, HttpMethod.Get, $"/admin/v1/redemption-batches/{batchId}?cursor=nope", null, Json.Timeout());
        Assert.Equal(400, badStatus);
        Assert.Equal("invalid_request_error", Json.ParseOrDefault(badText).GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(400, (await host.SendAsync(host.OperatorKey, HttpMethod.Get, $"/admin/v1/redemption-batches/{batchId}?limit=0", null, Json.Timeout())).Status);
    }

    [Fact]
    public async Task UnknownCodes_AreRateLimitedPerKey_AndAValidCodeWaitsToo()
    {
        await using var host = await StartAsync();
        var (_, batchText) = await host.SendAsync(host.OperatorKey, HttpMethod.Post, "/admin/v1/redemption-batches", """{"amount_micros":1000,"count":1}""", Json.Timeout());
        string code = Json.ParseOrDefault(batchText).GetProperty("codes")[0].GetProperty("code").GetString()!;
        var (_, key) = await host.MemberAsync("guesser");

        for (int i = 0; i < 10; i++)
        {
            var (guess, text) = await host.SendAsync(key, HttpMethod.Post, "/v1/redeem", $$"""{"code":"cdr-guess{{i}}"}""", Json.Timeout());
            Assert.True(guess == 404, text);
        }

        var (throttled, throttledText) = await host.SendAsync(key, HttpMethod.Post, "/v1/redeem", $$"""{"code":"{{code}}"}""", Json.Timeout());
        Assert.Equal(429, throttled);
        Assert.Contains("too_many_attempts", throttledText, StringComparison.Ordinal);

        // Another member on another address would still redeem; here the address is shared (loopback), so it waits too.
        var (_, other) = await host.MemberAsync("honest");
        var (sameAddress, _) = await host.SendAsync(other, HttpMethod.Post, "/v1/redeem", $$"""{"code":"{{code}}"}""", Json.Timeout());
        Assert.Equal(429, sameAddress);
    }
    [Fact]
    public async Task CliBatch_PrintsItsCodesOnce_AndListsThemWithoutValues()
    {
        await using var host = await StartAsync();
        var (code, output, error) = await host.RunCliAsync("codes", "create", "--amount", "0.75", "--count", "3", "--note", "fair");
        Assert.True(code == 0, error);
        var batch = Json.ParseOrDefault(output.Trim());
        Assert.Equal(750_000, batch.GetProperty("amount_micros").GetInt64());
        var codes = batch.GetProperty("codes").EnumerateArray().Select(static c => c.GetProperty("code").GetString()!).ToList();
        Assert.Equal(3, codes.Distinct(StringComparer.Ordinal).Count());

        var (listCode, listed, _) = await host.RunCliAsync("codes", "list", "--batch", batch.GetProperty("id").GetString()!);
        Assert.Equal(0, listCode);
        Assert.Equal(3, listed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.All(codes, c => Assert.DoesNotContain(c, listed, StringComparison.Ordinal));

        var (_, key) = await host.MemberAsync("fairgoer");
        var (status, text) = await host.SendAsync(key, HttpMethod.Post, "/v1/redeem", $$"""{"code":" {{codes[1]}} "}""", Json.Timeout());
        Assert.True(status == 200, text);
        Assert.Equal(750_000, Json.ParseOrDefault(text).GetProperty("balance_micros").GetInt64());
    }

    [Fact]
    public async Task CliList_OfABatchLargerThanAPage_PrintsEveryCodeOnce()
    {
        await using var host = await StartAsync();
        int count = Candor.Server.Cli.CodeCommands.PageSize * 2 + 7;
        var (code, output, error) = await host.RunCliAsync("codes", "create", "--amount", "0.01", "--count", count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(code == 0, error);
        var batch = Json.ParseOrDefault(output.Trim());
        var created = batch.GetProperty("codes").EnumerateArray().Select(static c => c.GetProperty("id").GetString()!).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(count, created.Count);

        var (listCode, listed, listError) = await host.RunCliAsync("codes", "list", "--batch", batch.GetProperty("id").GetString()!);
        Assert.True(listCode == 0, listError);
        var ids = listed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(static l => Json.ParseOrDefault(l).GetProperty("id").GetString()!).ToList();
        Assert.Equal(count, ids.Count);
        Assert.True(created.SetEquals(ids));

        var (unknownCode, _, _) = await host.RunCliAsync("codes", "list", "--batch", "rcb_none");
        Assert.NotEqual(0, unknownCode);
    }

    [Fact]
    public async Task ConcurrentUnknownCodes_ExactlyTheBoundAnswered_TheRestRefused()
    {
        await using var host = await StartAsync();
        var (_, key) = await host.MemberAsync("crowd");

        // Thirty guesses at once: each is checked and counted in its redemption's transaction, so exactly the bound of
        // them are looked up (404) and the rest are refused (429) without being looked at.
        var burst = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            host.SendAsync(key, HttpMethod.Post, "/v1/redeem", $$"""{"code":"cdr-burst{{i}}"}""", Json.Timeout())));
        Assert.All(burst, static r => Assert.True(r.Status is 404 or 429, r.Text));
        Assert.Equal(Candor.Core.Accounts.Redemptions.RedeemThrottle.MaxFailures, burst.Count(static r => r.Status == 404));
        Assert.Contains("too_many_attempts", burst.First(static r => r.Status == 429).Text, StringComparison.Ordinal);
        Assert.Equal(429, (await host.SendAsync(key, HttpMethod.Post, "/v1/redeem", """{"code":"cdr-last"}""", Json.Timeout())).Status);
    }
}
