using System.Text.Json;
using Candor.Core.WebConsole;
using Candor.FunctionalTests.Infrastructure;
using Candor.Server.WebConsole;
using Microsoft.Extensions.DependencyInjection;

namespace Candor.FunctionalTests.WebConsole;

/// <summary>The gaps of issue 15 closed over HTTP: members, keys and history paged on the server by cursor (a plain
/// member's key pages narrowed to its own keys); a plain member reads only its own keys' receipts while owners and
/// operators read any of the account's; a code redeemed from a console session credits once; principals compare in one
/// normal form (sign-in, invitations, the throttle), and the sign-in throttle's count is in the store, so another node
/// refuses too.</summary>
public sealed class ConsoleListsApiTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [Fact]
    public async Task Members_PageByCursor_EveryMemberOnce()
    {
        string members = $"/admin/v1/accounts/{fixture.AccountB}/members";
        var added = Enumerable.Range(0, 23).Select(i => $"page-{i:D2}@example.com").ToList();
        foreach (string p in added)
        {
            Assert.Equal(200, (await fixture.AdminAsync(HttpMethod.Put, $"{members}/{Uri.EscapeDataString(p)}", """{"role":"viewer"}""")).Status);
        }

        var seen = await WalkAsync((cursor) => fixture.AdminAsync(HttpMethod.Get, $"{members}?limit=10{cursor}"), m => m.GetProperty("principal").GetString()!, 10);
        Assert.Equal(added, seen.Where(p => p.StartsWith("page-", StringComparison.Ordinal)).ToList());
        Assert.Equal(seen.Distinct().Count(), seen.Count);

        // The default page is bounded too: no request loads the whole table.
        var (_, first) = await fixture.AdminAsync(HttpMethod.Get, members + "?limit=5");
        Assert.Equal(5, first.GetProperty("data").GetArrayLength());
        Assert.True(first.GetProperty("has_more").GetBoolean());
        Assert.Equal(400, (await fixture.AdminAsync(HttpMethod.Get, members + "?limit=101")).Status);
    }

    [Fact]
    public async Task Keys_PageByCursor_APlainMembersPagesHoldOnlyItsOwnKeys()
    {
        using var member = await SignedInAsync(fixture.PlainMemberLogin);
        string keys = $"/admin/v1/accounts/{fixture.AccountA}/keys";
        var mine = new HashSet<string>();
        for (int i = 0; i < 5; i++)
        {
            var (status, key) = await member.SendAsync(HttpMethod.Post, keys, $$"""{"name":"paged member key {{i}}"}""");
            Assert.Equal(201, status);
            mine.Add(key.GetProperty("id").GetString()!);
            Assert.Equal(201, (await fixture.AdminAsync(HttpMethod.Post, keys, $$"""{"name":"paged operator key {{i}}"}""")).Status);
        }

        // Owned in the key's own transaction: the member finds each key it made, and no other, page after page.
        var memberSeen = await WalkAsync((cursor) => member.SendAsync(HttpMethod.Get, $"{keys}?limit=2{cursor}"), k => k.GetProperty("id").GetString()!, 2);
        Assert.Superset(mine, memberSeen.ToHashSet());
        Assert.Equal(memberSeen.Distinct().Count(), memberSeen.Count);
        var owners = fixture.App.Services.GetRequiredService<IKeyOwners>();
        foreach (string id in memberSeen)
        {
            Assert.Equal(fixture.PlainMemberLogin, await owners.GetKeyOwnerAsync(fixture.AccountA, id, CancellationToken.None).WaitAsync(Json.Timeout()));
        }

        var all = await WalkAsync((cursor) => fixture.AdminAsync(HttpMethod.Get, $"{keys}?limit=3{cursor}"), k => k.GetProperty("id").GetString()!, 3);
        Assert.Superset(mine, all.ToHashSet());
        Assert.True(all.Count >= 10);
        Assert.Equal(all.Distinct().Count(), all.Count);
    }

    [Fact]
    public async Task History_AnswersOnePageWithItsPagingFields()
    {
        var (status, page) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{fixture.AccountA}/history?limit=5");
        Assert.Equal(200, status);
        Assert.False(page.GetProperty("has_more").GetBoolean());
        Assert.Equal(400, (await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{fixture.AccountA}/history?limit=5&cursor=not-a-cursor")).Status);
    }

    [Fact]
    public async Task Receipt_APlainMemberReadsOnlyItsOwnKeysReceipts_OwnerAndOperatorReadAny()
    {
        using var owner = await SignedInAsync(fixture.MemberLogin);
        using var member = await SignedInAsync(fixture.PlainMemberLogin);
        string other = await NewPlainMemberAsync("carol@example.com");
        using var otherMember = await SignedInAsync(other);
        string keys = $"/admin/v1/accounts/{fixture.AccountA}/keys";
        var (_, membersKey) = await member.SendAsync(HttpMethod.Post, keys, """{"name":"receipt key"}""");
        var (_, ownersKey) = await owner.SendAsync(HttpMethod.Post, keys, """{"name":"owner receipt key"}""");
        string membersReceipt = await ReceiptOfAChatAsync(membersKey.GetProperty("key").GetString()!);
        string ownersReceipt = await ReceiptOfAChatAsync(ownersKey.GetProperty("key").GetString()!);
        string receipts = $"/admin/v1/accounts/{fixture.AccountA}/receipts/";

        Assert.Equal(200, (await member.SendAsync(HttpMethod.Get, receipts + membersReceipt)).Status);
        Assert.Equal(404, (await member.SendAsync(HttpMethod.Get, receipts + ownersReceipt)).Status);
        Assert.Equal(404, (await otherMember.SendAsync(HttpMethod.Get, receipts + membersReceipt)).Status);
        Assert.Equal(200, (await owner.SendAsync(HttpMethod.Get, receipts + membersReceipt)).Status);
        Assert.Equal(200, (await owner.SendAsync(HttpMethod.Get, receipts + ownersReceipt)).Status);
        var (operatorStatus, _) = await fixture.AdminAsync(HttpMethod.Get, receipts + membersReceipt);
        Assert.Equal(200, operatorStatus);
    }

    [Fact]
    public async Task Redeem_FromAConsoleSession_CreditsOnce_AndRefusesTheReplayWithItsCode()
    {
        var (created, batch) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/redemption-batches", """{"amount_usd":"3.25","count":1}""");
        Assert.Equal(201, created);
        string code = batch.GetProperty("codes")[0].GetProperty("code").GetString()!;
        using var member = await SignedInAsync(fixture.PlainMemberLogin);
        string redeem = $"/admin/v1/accounts/{fixture.AccountA}/redeem";
        var (_, before) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{fixture.AccountA}/balance");

        // A session without the CSRF token changes nothing.
        Assert.Equal(403, (await member.SendAsync(HttpMethod.Post, redeem, JsonSerializer.Serialize(new { code }), csrf: false)).Status);
        var (status, redeemed) = await member.SendAsync(HttpMethod.Post, redeem, JsonSerializer.Serialize(new { code }));
        Assert.Equal(200, status);
        Assert.Equal(3_250_000, redeemed.GetProperty("amount_micros").GetInt64());
        Assert.Equal(before.GetProperty("balance_micros").GetInt64() + 3_250_000, redeemed.GetProperty("balance_micros").GetInt64());

        var (again, refused) = await member.SendAsync(HttpMethod.Post, redeem, JsonSerializer.Serialize(new { code }));
        Assert.Equal(409, again);
        Assert.Equal("code_already_redeemed", refused.GetProperty("error").GetProperty("code").GetString());
        var (unknown, missing) = await member.SendAsync(HttpMethod.Post, redeem, """{"code":"CANDOR-0000-0000-0000-0000"}""");
        Assert.True(unknown is 400 or 404, $"{unknown}");
        Assert.Equal(JsonValueKind.Object, missing.GetProperty("error").ValueKind);
        var (_, after) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{fixture.AccountA}/balance");
        Assert.Equal(before.GetProperty("balance_micros").GetInt64() + 3_250_000, after.GetProperty("balance_micros").GetInt64());

        // Not in an account the login is no member of.
        Assert.Equal(403, (await member.SendAsync(HttpMethod.Post, $"/admin/v1/accounts/{fixture.AccountB}/redeem", JsonSerializer.Serialize(new { code }))).Status);
    }

    [Fact]
    public async Task Principal_IsComparedInOneNormalForm_InSignInAndInvitations()
    {
        using var client = fixture.NewSession();
        var (status, session) = await client.SignInAsync("  Alice@Example.COM ", ConsoleFixture.Password);
        Assert.Equal(200, status);
        Assert.Equal(fixture.MemberLogin, session.GetProperty("principal").GetString());
        Assert.Contains(session.GetProperty("accounts").EnumerateArray(), a => a.GetProperty("id").GetString() == fixture.AccountA);

        var (invited, invitation) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/console/invitations", """{"principal":" Dora@Example.com "}""");
        Assert.Equal(201, invited);
        Assert.Equal("dora@example.com", invitation.GetProperty("principal").GetString());
        Assert.Equal(200, (await fixture.AdminAsync(HttpMethod.Put, $"/admin/v1/accounts/{fixture.AccountB}/members/{Uri.EscapeDataString("Dora@Example.com")}", """{"role":"viewer"}""")).Status);
        var (_, members) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{fixture.AccountB}/members?limit=100");
        Assert.Contains(members.GetProperty("data").EnumerateArray(), m => m.GetProperty("principal").GetString() == "dora@example.com");
    }

    [Fact]
    public async Task SignInThrottle_CountsInTheStore_SoEverySpellingAndEveryNodeRefuses()
    {
        using var client = fixture.NewSession();
        for (int i = 0; i < SignInThrottle.PerPrincipal; i++)
        {
            // Changing the case does not start a new count.
            string spelling = i % 2 == 0 ? "Mallory@Example.com" : "mallory@example.com";
            Assert.Equal(401, (await client.SignInAsync(spelling, "wrong password " + i)).Status);
        }

        Assert.Equal(429, (await client.SignInAsync("MALLORY@example.com", "wrong password")).Status);

        // A second node reads the same counters: it refuses too, where a per-node count would still allow five tries.
        var secondNode = new SignInThrottle(fixture.App.Services.GetRequiredService<IAttemptCounters>(), TimeProvider.System);
        await using (var refused = await secondNode.BeginAsync("mallory@example.com", "127.0.0.1", CancellationToken.None).WaitAsync(Json.Timeout()))
        {
            Assert.NotNull(refused.RetryAfter);
        }

        await using (var admitted = await secondNode.BeginAsync("someone-else@example.com", "127.0.0.1", CancellationToken.None).WaitAsync(Json.Timeout()))
        {
            Assert.Null(admitted.RetryAfter);
        }
    }

    private async Task<ConsoleClient> SignedInAsync(string principal)
    {
        var client = fixture.NewSession();
        Assert.Equal(200, (await client.SignInAsync(principal, ConsoleFixture.Password)).Status);
        return client;
    }

    /// <summary>Invites <paramref name="principal"/> as a plain member of account A and sets its password.</summary>
    private async Task<string> NewPlainMemberAsync(string principal)
    {
        var (status, invitation) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/console/invitations",
            $$"""{"principal":"{{principal}}","account_id":"{{fixture.AccountA}}","role":"member"}""");
        Assert.Equal(201, status);
        using var session = fixture.NewSession();
        Assert.Equal(200, (await session.SendAsync(HttpMethod.Post, "/console/api/invitations/accept",
            $$"""{"token":"{{invitation.GetProperty("token").GetString()}}","password":"{{ConsoleFixture.Password}}"}""")).Status);
        return principal;
    }

    private async Task<string> ReceiptOfAChatAsync(string key)
    {
        using var http = new HttpClient { BaseAddress = fixture.BaseAddress, Timeout = TimeSpan.FromSeconds(20) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body("""{"model":"m-openai","messages":[{"role":"user","content":"Say hello"}]}"""),
        };
        request.Headers.Authorization = new("Bearer", key);
        using var response = await http.SendAsync(request, Json.Timeout());
        Assert.Equal(200, (int)response.StatusCode);
        return response.Headers.GetValues("x-candor-receipt").Single();
    }

    /// <summary>Follows next_cursor from the first page to the last; every page holds at most <paramref name="limit"/> rows.</summary>
    private static async Task<List<string>> WalkAsync(Func<string, Task<(int Status, JsonElement Body)>> page, Func<JsonElement, string> id, int limit)
    {
        var seen = new List<string>();
        string cursor = "";
        for (int pages = 0; pages < 100; pages++)
        {
            var (status, body) = await page(cursor);
            Assert.Equal(200, status);
            Assert.True(body.GetProperty("data").GetArrayLength() <= limit);
            seen.AddRange(body.GetProperty("data").EnumerateArray().Select(id));
            if (!body.GetProperty("has_more").GetBoolean())
            {
                return seen;
            }

            cursor = "&cursor=" + Uri.EscapeDataString(body.GetProperty("next_cursor").GetString()!);
        }

        throw new InvalidOperationException("more than 100 pages");
    }
}
