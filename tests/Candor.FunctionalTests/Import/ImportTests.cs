using System.Text.Json;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Import;

/// <summary><c>candor import one-api|new-api</c> end to end: a database built from each platform's schema is imported
/// into a running Candor's data directory; a token from the old database then works against Candor (through the
/// imported channel, whose sealed credential the emulator requires), balances and the ledger match the old quotas,
/// a rerun imports nothing twice, and the dry run lists every row it cannot map.</summary>
public sealed class ImportTests
{
    /// <summary>The credential the old database holds for its OpenAI channel; the emulator answers only to it.</summary>
    private const string UpstreamCredential = "sk-upstream-from-the-old-platform";

    private static readonly string Token1 = NewKey();
    private static readonly string Token2 = NewKey();
    private static readonly string Code1 = Guid.NewGuid().ToString("N");

    private static string NewKey() => (Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"))[..48];

    [Theory]
    [InlineData("one-api")]
    [InlineData("new-api")]
    public Task ImportedDatabase_TokenWorks_BalancesMatch_RerunImportsNothing(string flavor) =>
        ImportAndCheckAsync(flavor, (host, builder) =>
        {
            string source = Path.Combine(host.Directory, flavor + ".db");
            builder.Save(source);
            return Task.FromResult(source);
        });

    /// <summary>The whole check on one source: <paramref name="store"/> writes the built database where the import will
    /// read it (a SQLite file, a MySQL database, a PostgreSQL schema) and returns the <c>--from</c> that names it.</summary>
    internal static async Task ImportAndCheckAsync(string flavor, Func<CandorTestHost, SourceDatabaseBuilder, Task<string>> store)
    {
        await using var host = await CandorTestHost.Create()
            .Prefix("candor-import-")
            .Emulator(new EmulatorOptions { RequiredApiKey = UpstreamCredential })
            .WithClientTimeout(TimeSpan.FromSeconds(20))
            .Yaml(emu => $$"""
            server:
              data_dir: data
            routing:
              all_unhealthy: try_anyway
            channels:
              - { id: oa, provider: openai, base_url: {{emu}}/v1, api_key_env: UPSTREAM_KEY }
            models:
              - { name: m-config, deployments: [{ channel: oa, model: gpt-4o-mini }] }
            """)
            .StartAsync();
        string source = await store(host, Build(flavor == "new-api", host.Emulator.BaseAddress.ToString().TrimEnd('/')));

        // The dry run names every row it cannot map, with its reason, and writes nothing.
        var (dryCode, dryOut, dryErr) = await host.RunCliAsync("import", flavor, "--from", source, "--dry-run");
        Assert.True(dryCode == 0, dryErr + dryOut);
        Assert.Contains("not imported: user 3: the user is deleted in the source", dryOut, StringComparison.Ordinal);
        Assert.Contains("not imported: token 3: the token is disabled in the source", dryOut, StringComparison.Ordinal);
        Assert.Contains("not imported: token 4: its user 3 is not imported", dryOut, StringComparison.Ordinal);
        Assert.Contains("not imported: token 5: the allowed address '10.0.0.1/8' is not an address or CIDR range", dryOut, StringComparison.Ordinal);
        Assert.Contains("not imported: token 6: the token has expired", dryOut, StringComparison.Ordinal);
        Assert.Contains("not imported: channel 2: channel type 15 has no Candor provider", dryOut, StringComparison.Ordinal);
        Assert.Contains("not imported: channel 4: the Custom channel has no usable base URL", dryOut, StringComparison.Ordinal);
        Assert.Contains("not imported: redemption 2: the code was already redeemed", dryOut, StringComparison.Ordinal);
        Assert.Contains("not imported: model_price bad: its ModelRatio is not a non-negative number", dryOut, StringComparison.Ordinal);
        Assert.Contains("kept in part: channel 5:", dryOut, StringComparison.Ordinal);
        Assert.Contains("dry run: nothing was written.", dryOut, StringComparison.Ordinal);
        Assert.DoesNotContain(Token1, dryOut, StringComparison.Ordinal);
        Assert.DoesNotContain(UpstreamCredential, dryOut, StringComparison.Ordinal);
        var (_, accountsAfterDryRun) = await host.SendAsync(host.OperatorKey, HttpMethod.Get, "/admin/v1/accounts", null, Json.Timeout());
        Assert.Single(Json.ParseOrDefault(accountsAfterDryRun).GetProperty("data").EnumerateArray());

        var (code, output, error) = await host.RunCliAsync("import", flavor, "--from", source);
        Assert.True(code == 0, error + output);
        Assert.Contains("imported in one transaction: 3 channel, 1 group_ratio, 2 model_price, 1 redemption, 2 token, 3 user", output, StringComparison.Ordinal);

        // The old secret, as its clients send it, resolves once the running server's key cache has caught up.
        var balance = await PollAsync(host, "sk-" + Token1, HttpMethod.Get, "/v1/balance", null);
        Assert.Equal(10_000_000, balance.GetProperty("balance_micros").GetInt64()); // 5,000,000 quota at 500,000 per USD
        string accountId = balance.GetProperty("account_id").GetString()!;

        // Through the imported channel (tier 0, its credential sealed; the emulator refuses any other credential).
        var chat = await PollAsync(host, "sk-" + Token1, HttpMethod.Post, "/v1/chat/completions",
            """{"model":"alias-model","messages":[{"role":"user","content":"Hello"}]}""");
        Assert.Equal("chat.completion", chat.GetProperty("object").GetString());

        // The chat is charged at the imported price once settled; the ledger (opening balance and charge) sums to the balance.
        long after = 10_000_000;
        for (var deadline = DateTimeOffset.UtcNow.AddSeconds(20); after == 10_000_000 && DateTimeOffset.UtcNow < deadline; await Task.Delay(100, Json.Timeout()))
        {
            var (_, balanceText) = await host.SendAsync(host.OperatorKey, HttpMethod.Get, $"/admin/v1/accounts/{accountId}/balance", null, Json.Timeout());
            after = Json.ParseOrDefault(balanceText).GetProperty("balance_micros").GetInt64();
        }

        Assert.True(after < 10_000_000, "the chat was charged");
        var (_, ledgerText) = await host.SendAsync(host.OperatorKey, HttpMethod.Get, $"/admin/v1/accounts/{accountId}/ledger", null, Json.Timeout());
        var entries = Json.ParseOrDefault(ledgerText).GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(2, entries.Count);
        Assert.Equal(after, entries.Sum(static e => e.GetProperty("amount_micros").GetInt64()));
        Assert.Contains(entries, static e => e.GetProperty("amount_micros").GetInt64() == 10_000_000 && e.GetProperty("kind").GetString() == "top_up");

        // Token 2 keeps its budget (250,000 quota = 0.5 USD), its model limit and its address restriction.
        var limited = await PollAsync(host, "sk-" + Token2, HttpMethod.Get, "/v1/balance", null);
        Assert.Equal(500_000, limited.GetProperty("key").GetProperty("budget_micros").GetInt64());
        var (otherModel, _) = await host.SendAsync("sk-" + Token2, HttpMethod.Post, "/v1/chat/completions",
            """{"model":"m-config","messages":[{"role":"user","content":"Hi"}]}""", Json.Timeout());
        Assert.Equal(403, otherModel);

        // The unused code from the old database redeems once, for its quota.
        var (redeemed, redeemText) = await host.SendAsync("sk-" + Token1, HttpMethod.Post, "/v1/redeem", $$"""{"code":"{{Code1}}"}""", Json.Timeout());
        Assert.True(redeemed == 200, redeemText);
        Assert.Equal(1_000_000, Json.ParseOrDefault(redeemText).GetProperty("amount_micros").GetInt64());
        var (again, _) = await host.SendAsync("sk-" + Token1, HttpMethod.Post, "/v1/redeem", $$"""{"code":"{{Code1}}"}""", Json.Timeout());
        Assert.Equal(409, again);

        // The other spellings the old platform accepted for the same token: without sk-, with a channel suffix.
        Assert.Equal(accountId, (await PollAsync(host, Token1, HttpMethod.Get, "/v1/balance", null)).GetProperty("account_id").GetString());
        Assert.Equal(accountId, (await PollAsync(host, "sk-" + Token1 + "-1", HttpMethod.Get, "/v1/balance", null)).GetProperty("account_id").GetString());
        var (wrongKey, _) = await host.SendAsync("sk-" + Token1[..^1] + "-1", HttpMethod.Get, "/v1/balance", null, Json.Timeout());
        Assert.Equal(401, wrongKey);

        // A rerun imports nothing twice.
        var (rerunCode, rerunOut, rerunErr) = await host.RunCliAsync("import", flavor, "--from", source);
        Assert.True(rerunCode == 0, rerunErr + rerunOut);
        Assert.Contains("imported in one transaction: nothing", rerunOut, StringComparison.Ordinal);
        Assert.Contains("already imported by an earlier run: 3 channel, 1 group_ratio, 2 model_price, 1 redemption, 2 token, 3 user", rerunOut, StringComparison.Ordinal);
        var (_, accountsText) = await host.SendAsync(host.OperatorKey, HttpMethod.Get, "/admin/v1/accounts", null, Json.Timeout());
        Assert.Equal(4, Json.ParseOrDefault(accountsText).GetProperty("data").GetArrayLength()); // the operator's and three users'
        var (_, ledgerAgain) = await host.SendAsync(host.OperatorKey, HttpMethod.Get, $"/admin/v1/accounts/{accountId}/ledger", null, Json.Timeout());
        Assert.Equal(entries.Count + 1, Json.ParseOrDefault(ledgerAgain).GetProperty("data").GetArrayLength()); // + the redemption only
    }

    /// <summary>Sends until the answer is 200 (the server applies stored changes within a second or two); returns its JSON.</summary>
    private static async Task<JsonElement> PollAsync(CandorTestHost host, string key, HttpMethod method, string path, string? body)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(20);
        while (true)
        {
            var (status, text) = await host.SendAsync(key, method, path, body, Json.Timeout());
            if (status == 200)
            {
                return Json.ParseOrDefault(text);
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"{path}: {status} {text}");
            await Task.Delay(200, Json.Timeout());
        }
    }

    private static SourceDatabaseBuilder Build(bool newApi, string emulator)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var db = new SourceDatabaseBuilder(newApi);
        const string userColumns = "id,username,password,display_name,role,status,email,quota,group,access_token,aff_code";
        db.Row("users", userColumns, 1, "alice", "x", "Alice", 1, 1, "alice@example.com", 5_000_000, "default", "t1", "a1")
            .Row("users", userColumns, 2, "bob", "x", "", 1, 2, "", 1_000_000, "vip", "t2", "a2")
            .Row("users", userColumns, 4, "root", "x", "Root", 100, 1, "root@example.com", 0, "default", "t4", "a4");
        if (newApi)
        {
            db.Row("users", userColumns + ",deleted_at", 3, "carol", "x", "", 1, 1, "", 100, "default", "t3", "a3", "2025-01-01 00:00:00+00:00");
        }
        else
        {
            db.Row("users", userColumns, 3, "carol", "x", "", 1, 3, "", 100, "default", "t3", "a3");
        }

        // Tokens: 1 unlimited; 2 with a budget, a model limit and an address limit; 3 disabled; 4 of a deleted user;
        // 5 with a malformed range (importing it without the range would widen it); 6 expired.
        string limitColumns = newApi ? "model_limits_enabled,model_limits,allow_ips" : "models,subnet";
        object?[] Limits(string? models, string? addresses) => newApi
            ? [models is null ? 0 : 1, models ?? "", addresses?.Replace(",", "\n", StringComparison.Ordinal) ?? ""]
            : [models ?? "", addresses ?? ""];
        string tokenColumns = "id,user_id,key,status,name,created_time,expired_time,remain_quota,unlimited_quota," + limitColumns;
        db.Row("tokens", tokenColumns, [1, 1, Token1, 1, "laptop", now - 86400, -1, 0, 1, .. Limits(null, null)])
            .Row("tokens", tokenColumns, [2, 1, Token2, 1, "ci", now, -1, 250_000, 0, .. Limits("alias-model,gpt-4o-mini", newApi ? "127.0.0.1,::1" : "127.0.0.0/8,::1/128")])
            .Row("tokens", tokenColumns, [3, 1, NewKey(), 2, "old", now, -1, 0, 1, .. Limits(null, null)])
            .Row("tokens", tokenColumns, [4, 3, NewKey(), 1, "carol's", now, -1, 0, 1, .. Limits(null, null)])
            .Row("tokens", tokenColumns, [5, 2, NewKey(), 1, "bob's", now, -1, 0, 1, .. Limits(null, "10.0.0.1/8")])
            .Row("tokens", tokenColumns, [6, 1, NewKey(), 1, "expired", now - 100, now - 10, 0, 1, .. Limits(null, null)]);

        // Channels: 1 OpenAI at the emulator (a mapped alias, high priority); 2 Baidu (no provider); 3 Anthropic, disabled;
        // 4 Custom without a base URL; 5 DeepSeek with a setting Candor cannot carry.
        const string channelColumns = "id,type,key,status,name,weight,base_url,models,group,model_mapping,priority,created_time";
        db.Row("channels", channelColumns, 1, 1, UpstreamCredential, 1, "emulated openai", 0, emulator, "gpt-4o-mini,alias-model", "default,vip",
                """{"alias-model":"gpt-4o-mini"}""", 10, now)
            .Row("channels", channelColumns, 2, 15, "ak|sk", 1, "baidu", 0, "", "ERNIE-4.0", "default", "", 0, now)
            .Row("channels", channelColumns, 3, 14, "sk-ant-x", 2, "claude", 0, emulator, "claude-3-5-haiku", "default", "", 0, now)
            .Row("channels", channelColumns, 4, 8, "sk-custom", 1, "custom", 0, "", "gpt-4o", "default", "", 0, now);
        if (newApi)
        {
            db.Row("channels", channelColumns + ",param_override", 5, 43, "sk-ds", 1, "deepseek", 5, "", "deepseek-chat", "default", "", 0, now, """{"temperature":0}""");
        }
        else
        {
            db.Row("channels", channelColumns + ",system_prompt", 5, 36, "sk-ds", 1, "deepseek", 5, "", "deepseek-chat", "default", "", 0, now, "Be brief.");
        }

        const string codeColumns = "id,user_id,key,status,name,quota,created_time";
        db.Row("redemptions", codeColumns, 1, 4, Code1, 1, "promo", 500_000, now)
            .Row("redemptions", codeColumns, 2, 4, Guid.NewGuid().ToString("N"), 3, "used", 500_000, now)
            .Row("redemptions", codeColumns, 3, 4, Guid.NewGuid().ToString("N"), 2, "disabled", 500_000, now);

        return db.Row("options", "key,value", "ModelRatio", """{"gpt-4o-mini":0.075,"alias-model":0.075,"bad":"x"}""")
            .Row("options", "key,value", "CompletionRatio", """{"gpt-4o-mini":4,"alias-model":4}""")
            .Row("options", "key,value", "GroupRatio", """{"vip":0.8}""");
    }
}
