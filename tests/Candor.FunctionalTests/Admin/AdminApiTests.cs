using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Admin;

/// <summary>The admin API end to end: an account and a key made over HTTP work on the relay at once, limits and
/// revocation apply at once, money is exact, members and paging work, and bad input names its field.</summary>
public sealed class AdminApiTests(AdminFixture fixture) : IClassFixture<AdminFixture>
{
    private const string Chat = """{"model":"m-openai","messages":[{"role":"user","content":"hi"}]}""";

    private async Task<int> ChatAsync(string key, string body = Chat)
    {
        using var client = fixture.Client(key);
        var token = Json.Timeout();
        using var response = await client.PostAsync("/v1/chat/completions", Json.Body(body), token);
        await response.Content.ReadAsStringAsync(token);
        return (int)response.StatusCode;
    }

    [Fact]
    public async Task Lifecycle_AccountKeyChatRevoke_AppliesAtOnce()
    {
        var (status, account) = await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/accounts", """{"name":"Acme","group":"gold"}""");
        Assert.Equal(201, status);
        string accountId = account.GetProperty("id").GetString()!;
        Assert.StartsWith("acct_", accountId, StringComparison.Ordinal);
        Assert.Equal("gold", account.GetProperty("group").GetString());
        Assert.Equal(0, account.GetProperty("balance_micros").GetInt64());
        Assert.EndsWith("Z", account.GetProperty("created_at").GetString(), StringComparison.Ordinal);

        var (keyStatus, created) = await fixture.AdminAsync(HttpMethod.Post, $"/admin/v1/accounts/{accountId}/keys",
            """{"name":"ci","allowed_models":["m-openai"],"budget_micros":2500000,"rpm_limit":60,"expires_at":"2100-01-01T00:00:00Z"}""");
        Assert.Equal(201, keyStatus);
        string key = created.GetProperty("key").GetString()!;
        string keyId = created.GetProperty("id").GetString()!;
        Assert.StartsWith("sk-cd-", key, StringComparison.Ordinal);
        Assert.Equal(key[..12], created.GetProperty("prefix").GetString());
        Assert.Equal(2_500_000, created.GetProperty("budget_micros").GetInt64());
        Assert.Equal("2100-01-01T00:00:00Z", created.GetProperty("expires_at").GetString());

        // With a balance, the key works on the relay immediately (billed), and is never shown again.
        Assert.Equal(429, await ChatAsync(key));
        Assert.Equal(201, (await fixture.AdminAsync(HttpMethod.Post, $"/admin/v1/accounts/{accountId}/top-ups", """{"amount_usd":"5"}""")).Status);
        Assert.Equal(200, await ChatAsync(key));
        var (_, listed) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{accountId}/keys");
        Assert.DoesNotContain(key, listed.GetRawText(), StringComparison.Ordinal);
        var (_, got) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{accountId}/keys/{keyId}");
        Assert.DoesNotContain(key, got.GetRawText(), StringComparison.Ordinal);
        Assert.True(got.GetProperty("spent_micros").GetInt64() > 0);
        Assert.Equal(60, got.GetProperty("rpm_limit").GetInt32());

        // PATCH: absent fields are kept, null clears.
        var (patchStatus, patched) = await fixture.AdminAsync(HttpMethod.Patch, $"/admin/v1/accounts/{accountId}/keys/{keyId}", """{"rpm_limit":null,"tpm_limit":100000}""");
        Assert.Equal(200, patchStatus);
        Assert.False(patched.TryGetProperty("rpm_limit", out _));
        Assert.Equal(100000, patched.GetProperty("tpm_limit").GetInt32());
        Assert.Equal(2_500_000, patched.GetProperty("budget_micros").GetInt64());
        Assert.Equal(["m-openai"], patched.GetProperty("allowed_models").EnumerateArray().Select(m => m.GetString()));

        // Disabling the account refuses its keys at once; enabling brings them back.
        Assert.Equal(200, (await fixture.AdminAsync(HttpMethod.Patch, $"/admin/v1/accounts/{accountId}", """{"disabled":true}""")).Status);
        Assert.Equal(401, await ChatAsync(key));
        var (_, enabled) = await fixture.AdminAsync(HttpMethod.Patch, $"/admin/v1/accounts/{accountId}", """{"disabled":false,"name":"Acme Ltd"}""");
        Assert.Equal("Acme Ltd", enabled.GetProperty("name").GetString());
        Assert.Equal("gold", enabled.GetProperty("group").GetString());
        Assert.Equal(200, await ChatAsync(key));

        var (revokeStatus, revoked) = await fixture.AdminAsync(HttpMethod.Post, $"/admin/v1/accounts/{accountId}/keys/{keyId}/revoke");
        Assert.Equal(200, revokeStatus);
        Assert.True(revoked.TryGetProperty("revoked_at", out _));
        Assert.Equal(401, await ChatAsync(key));
        Assert.Equal(404, (await fixture.AdminAsync(HttpMethod.Post, $"/admin/v1/accounts/{accountId}/keys/{keyId}/revoke")).Status);
    }

    [Fact]
    public async Task TopUps_AreExactInMicrosAndDecimalUsd()
    {
        var (accountId, _, _) = await fixture.CreateAccountWithKeyAsync("money");
        var (s1, first) = await fixture.AdminAsync(HttpMethod.Post, $"/admin/v1/accounts/{accountId}/top-ups", """{"amount_usd":"0.1","note":"trial"}""");
        Assert.Equal(201, s1);
        Assert.Equal(100_000, first.GetProperty("amount_micros").GetInt64());
        var (_, second) = await fixture.AdminAsync(HttpMethod.Post, $"/admin/v1/accounts/{accountId}/top-ups", """{"amount_usd":"0.2"}""");
        Assert.Equal(300_000, second.GetProperty("balance_micros").GetInt64());
        var (_, third) = await fixture.AdminAsync(HttpMethod.Post, $"/admin/v1/accounts/{accountId}/top-ups", """{"amount_micros":123456789}""");
        Assert.Equal(123_756_789, third.GetProperty("balance_micros").GetInt64());

        var (_, balance) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{accountId}/balance");
        Assert.Equal(123_756_789, balance.GetProperty("balance_micros").GetInt64());

        var (_, page) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{accountId}/ledger?limit=2");
        Assert.True(page.GetProperty("has_more").GetBoolean());
        Assert.Equal(2, page.GetProperty("data").GetArrayLength());
        string cursor = page.GetProperty("next_cursor").GetString()!;
        var (_, rest) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{accountId}/ledger?limit=2&cursor={Uri.EscapeDataString(cursor)}");
        Assert.False(rest.GetProperty("has_more").GetBoolean());
        var last = Assert.Single(rest.GetProperty("data").EnumerateArray());
        Assert.Equal("top_up", last.GetProperty("kind").GetString());
        Assert.Equal("trial", last.GetProperty("note").GetString());
        Assert.Equal(100_000, last.GetProperty("amount_micros").GetInt64());
    }

    [Fact]
    public async Task Accounts_ListPagesWithoutRepeats()
    {
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(201, (await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/accounts", $$"""{"name":"page-{{i}}"}""")).Status);
        }

        var seen = new List<string>();
        string? cursor = null;
        for (int guard = 0; guard < 100; guard++)
        {
            string path = "/admin/v1/accounts?limit=2" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            var (status, page) = await fixture.AdminAsync(HttpMethod.Get, path);
            Assert.Equal(200, status);
            seen.AddRange(page.GetProperty("data").EnumerateArray().Select(a => a.GetProperty("id").GetString()!));
            if (!page.GetProperty("has_more").GetBoolean())
            {
                break;
            }

            cursor = page.GetProperty("next_cursor").GetString();
        }

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.True(seen.Count >= 4, "the operator account and the three new ones");
    }

    [Fact]
    public async Task Members_PutListDelete()
    {
        var (accountId, _, _) = await fixture.CreateAccountWithKeyAsync("team");
        string principal = Uri.EscapeDataString("ann@example.com");
        var (s, member) = await fixture.AdminAsync(HttpMethod.Put, $"/admin/v1/accounts/{accountId}/members/{principal}", """{"role":"admin"}""");
        Assert.Equal(200, s);
        Assert.Equal("ann@example.com", member.GetProperty("principal").GetString());
        Assert.Equal(200, (await fixture.AdminAsync(HttpMethod.Put, $"/admin/v1/accounts/{accountId}/members/{principal}", """{"role":"viewer"}""")).Status);

        var (_, list) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{accountId}/members");
        var only = Assert.Single(list.GetProperty("data").EnumerateArray());
        Assert.Equal("viewer", only.GetProperty("role").GetString());

        Assert.Equal(204, (await fixture.AdminAsync(HttpMethod.Delete, $"/admin/v1/accounts/{accountId}/members/{principal}")).Status);
        Assert.Equal(404, (await fixture.AdminAsync(HttpMethod.Delete, $"/admin/v1/accounts/{accountId}/members/{principal}")).Status);
        Assert.Equal(404, (await fixture.AdminAsync(HttpMethod.Put, $"/admin/v1/accounts/acct_missing/members/{principal}", """{"role":"viewer"}""")).Status);
    }

    [Theory]
    [InlineData("POST", "/admin/v1/accounts", """{"group":"g"}""", "name")]
    [InlineData("POST", "/admin/v1/accounts", """{"name":""}""", "name")]
    [InlineData("POST", "/admin/v1/accounts", """{"name":"x","colour":"red"}""", "colour")]
    [InlineData("POST", "/admin/v1/accounts", """{"name":"a\u0000b"}""", "name")]
    [InlineData("POST", "/admin/v1/accounts/{accountId}/keys", """{"name":"k","allowed_models":["m\u0000"]}""", "allowed_models")]
    [InlineData("POST", "/admin/v1/accounts", """[1]""", "body")]
    [InlineData("POST", "/admin/v1/accounts", """{"name":""", "body")]
    [InlineData("GET", "/admin/v1/accounts?limit=0", null, "limit")]
    [InlineData("GET", "/admin/v1/accounts?limit=abc", null, "limit")]
    [InlineData("GET", "/admin/v1/accounts?cursor=garbage", null, "cursor")]
    [InlineData("PATCH", "/admin/v1/accounts/{accountId}", """{"disabled":"yes"}""", "disabled")]
    [InlineData("PUT", "/admin/v1/accounts/{accountId}/members/bob", """{"role":"king"}""", "role")]
    [InlineData("POST", "/admin/v1/accounts/{accountId}/keys", """{"allowed_models":["m"]}""", "name")]
    [InlineData("POST", "/admin/v1/accounts/{accountId}/keys", """{"name":"k","allowed_cidrs":["10.0.0.0/33"]}""", "allowed_cidrs")]
    [InlineData("POST", "/admin/v1/accounts/{accountId}/keys", """{"name":"k","allowed_models":[" "]}""", "allowed_models")]
    [InlineData("POST", "/admin/v1/accounts/{accountId}/keys", """{"name":"k","budget_micros":-1}""", "budget_micros")]
    [InlineData("POST", "/admin/v1/accounts/{accountId}/keys", """{"name":"k","budget_micros":1.5}""", "budget_micros")]
    [InlineData("POST", "/admin/v1/accounts/{accountId}/keys", """{"name":"k","rpm_limit":3000000000}""", "rpm_limit")]
    [InlineData("POST", "/admin/v1/accounts/{accountId}/keys", """{"name":"k","expires_at":"tomorrow"}""", "expires_at")]
    [InlineData("PATCH", "/admin/v1/accounts/{accountId}/keys/{keyId}", """{"concurrency_limit":-2}""", "concurrency_limit")]
    [InlineData("PATCH", "/admin/v1/accounts/{accountId}/keys/{keyId}", """{"name":"renamed"}""", "name")]
    [InlineData("POST", "/admin/v1/accounts/{accountId}/top-ups", """{}""", "amount_micros")]
    [InlineData("POST", "/admin/v1/accounts/{accountId}/top-ups", """{"amount_micros":1,"amount_usd":"1"}""", "amount_micros")]
    [InlineData("POST", "/admin/v1/accounts/{accountId}/top-ups", """{"amount_micros":0}""", "amount_micros")]
    [InlineData("POST", "/admin/v1/accounts/{accountId}/top-ups", """{"amount_micros":1000000000000001}""", "amount_micros")]
    [InlineData("POST", "/admin/v1/accounts/{accountId}/top-ups", """{"amount_micros":1.5}""", "amount_micros")]
    [InlineData("POST", "/admin/v1/accounts/{accountId}/top-ups", """{"amount_usd":12.5}""", "amount_usd")]
    [InlineData("POST", "/admin/v1/accounts/{accountId}/top-ups", """{"amount_usd":"0.0000001"}""", "amount_usd")]
    [InlineData("POST", "/admin/v1/accounts/{accountId}/top-ups", """{"amount_usd":"1e3"}""", "amount_usd")]
    [InlineData("POST", "/admin/v1/accounts/{accountId}/top-ups", """{"amount_usd":"-5"}""", "amount_usd")]
    [InlineData("GET", "/admin/v1/accounts/{accountId}/usage?limit=101", null, "limit")]
    public async Task BadInput_Is400NamingTheField(string method, string pattern, string? body, string field)
    {
        var (accountId, keyId, _) = await fixture.CreateAccountWithKeyAsync("bad-input");
        var (status, error) = await fixture.AdminAsync(new HttpMethod(method), AdminRoutes.Fill(pattern, accountId, keyId), body);
        Assert.Equal(400, status);
        Assert.Equal("invalid_request_error", error.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(field, error.GetProperty("error").GetProperty("param").GetString());
        Assert.Contains(field == "body" ? "body" : field, error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);

        // Nothing was written: the account still has only its first key and no money.
        var (_, keys) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{accountId}/keys");
        Assert.Single(keys.GetProperty("data").EnumerateArray());
        var (_, balance) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{accountId}/balance");
        Assert.Equal(0, balance.GetProperty("balance_micros").GetInt64());
    }

    [Fact]
    public async Task UnknownAccountOrKey_Is404()
    {
        foreach (string path in new[] { "/admin/v1/accounts/acct_nope", "/admin/v1/accounts/acct_nope/balance", "/admin/v1/accounts/acct_nope/keys",
                     "/admin/v1/accounts/acct_nope/members", "/admin/v1/accounts/acct_nope/ledger", "/admin/v1/accounts/acct_nope/usage" })
        {
            var (status, body) = await fixture.AdminAsync(HttpMethod.Get, path);
            Assert.True(status == 404, path);
            Assert.Equal("not_found_error", body.GetProperty("error").GetProperty("type").GetString());
        }

        Assert.Equal(404, (await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/accounts/acct_nope/keys", """{"name":"k"}""")).Status);
        Assert.Equal(404, (await fixture.AdminAsync(HttpMethod.Post, "/admin/v1/accounts/acct_nope/top-ups", """{"amount_micros":1}""")).Status);
        Assert.Equal(404, (await fixture.AdminAsync(HttpMethod.Patch, "/admin/v1/accounts/acct_nope", """{"name":"x"}""")).Status);
    }

    [Fact]
    public async Task OperatorKeyIsNotShownInListings()
    {
        var (_, accounts) = await fixture.AdminAsync(HttpMethod.Get, "/admin/v1/accounts?limit=100");
        Assert.DoesNotContain(fixture.OperatorKey, accounts.GetRawText(), StringComparison.Ordinal);
        foreach (var account in accounts.GetProperty("data").EnumerateArray())
        {
            var (_, keys) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{account.GetProperty("id").GetString()}/keys");
            Assert.DoesNotContain(fixture.OperatorKey, keys.GetRawText(), StringComparison.Ordinal);
        }
    }
}
