using Candor.Core.Accounts;
using Candor.FunctionalTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Candor.FunctionalTests.Admin;

/// <summary>Nobody but an operator gets into the admin API, and no listing or lookup through one account's path
/// reaches another account's rows.</summary>
public sealed class AdminIsolationTests(AdminFixture fixture) : IClassFixture<AdminFixture>
{
    [Fact]
    public async Task NormalKey_GetsForbiddenOnEveryAdminRoute()
    {
        var a = await fixture.CreateAccountWithKeyAsync("iso-a");
        var b = await fixture.CreateAccountWithKeyAsync("iso-b");
        var routes = AdminRoutes.Mapped(fixture.App);
        Assert.NotEmpty(routes);
        foreach (var (method, pattern) in routes)
        {
            foreach (string accountId in new[] { a.AccountId, b.AccountId })
            {
                string path = AdminRoutes.Fill(pattern, accountId, a.KeyId);
                var (status, body) = await fixture.SendAsync(a.Key, new HttpMethod(method), path, method is "GET" or "DELETE" ? null : "{}");
                Assert.True(status == 403, $"{method} {path}: {status}");
                Assert.Equal("permission_error", body.GetProperty("error").GetProperty("type").GetString());
            }
        }

        // Nothing changed: A's key still lives, B's account is untouched.
        var (_, keyA) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{a.AccountId}/keys/{a.KeyId}");
        Assert.False(keyA.TryGetProperty("revoked_at", out _));
        var (_, accountB) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{b.AccountId}");
        Assert.False(accountB.GetProperty("disabled").GetBoolean());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sk-cd-0000000000000000000000000000000000000000")]
    [InlineData("not-a-key")]
    [InlineData(CandorFixture.Key)]
    public async Task MissingUnknownOrConfigKey_IsUnauthorizedOnEveryAdminRoute(string? key)
    {
        foreach (var (method, pattern) in AdminRoutes.Mapped(fixture.App))
        {
            string path = AdminRoutes.Fill(pattern, "acct_x", "key_x");
            var (status, body) = await fixture.SendAsync(key, new HttpMethod(method), path, method is "GET" or "DELETE" ? null : "{}");
            Assert.True(status == 401, $"{method} {path}: {status}");
            Assert.Equal("authentication_error", body.GetProperty("error").GetProperty("type").GetString());
        }
    }

    [Fact]
    public async Task AccountPaths_NeverReachAnotherAccountsRows()
    {
        var a = await fixture.CreateAccountWithKeyAsync("leak-a");
        var b = await fixture.CreateAccountWithKeyAsync("leak-b");
        var ledger = fixture.App.Services.GetRequiredService<ILedgerStore>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await ledger.RecordUsageAsync(Usage("req_b_1", b.AccountId, b.KeyId), null, cts.Token);
        await ledger.RecordUsageAsync(Usage("req_a_1", a.AccountId, a.KeyId), null, cts.Token);
        Assert.Equal(201, (await fixture.AdminAsync(HttpMethod.Post, $"/admin/v1/accounts/{b.AccountId}/top-ups", """{"amount_micros":5}""")).Status);

        var (_, keys) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{a.AccountId}/keys");
        Assert.All(keys.GetProperty("data").EnumerateArray(), k => Assert.Equal(a.AccountId, k.GetProperty("account").GetString()));
        Assert.Single(keys.GetProperty("data").EnumerateArray());

        var (_, usage) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{a.AccountId}/usage");
        Assert.Equal(["req_a_1"], usage.GetProperty("data").EnumerateArray().Select(u => u.GetProperty("request_id").GetString()));

        var (_, entries) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{a.AccountId}/ledger");
        Assert.Empty(entries.GetProperty("data").EnumerateArray());

        // B's rows through A's path are not found, and B's key survives a revoke through A's path.
        Assert.Equal(404, (await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{a.AccountId}/keys/{b.KeyId}")).Status);
        Assert.Equal(404, (await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{a.AccountId}/usage/req_b_1")).Status);
        Assert.Equal(404, (await fixture.AdminAsync(HttpMethod.Post, $"/admin/v1/accounts/{a.AccountId}/keys/{b.KeyId}/revoke")).Status);
        Assert.Equal(404, (await fixture.AdminAsync(HttpMethod.Patch, $"/admin/v1/accounts/{a.AccountId}/keys/{b.KeyId}", """{"rpm_limit":1}""")).Status);
        var (_, keyB) = await fixture.AdminAsync(HttpMethod.Get, $"/admin/v1/accounts/{b.AccountId}/keys/{b.KeyId}");
        Assert.False(keyB.TryGetProperty("revoked_at", out _));
        Assert.False(keyB.TryGetProperty("rpm_limit", out _));
    }

    private static UsageRecord Usage(string requestId, string accountId, string keyId) => new()
    {
        RequestId = requestId,
        AccountId = accountId,
        KeyId = keyId,
        CreatedAt = DateTimeOffset.UtcNow,
        Surface = "openai",
        RequestedModel = "m-openai",
        UpstreamModel = "gpt-4o-mini",
        Outcome = UsageOutcome.Complete,
        ReportedInputTokens = 3,
        ReportedOutputTokens = 5,
        BilledSource = BilledSource.Upstream,
        ChargeMicros = 0,
        DurationMs = 12,
    };
}
