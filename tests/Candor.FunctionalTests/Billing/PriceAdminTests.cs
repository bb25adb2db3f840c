using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.FunctionalTests.Infrastructure;
using Candor.Server.Cli;

namespace Candor.FunctionalTests.Billing;

/// <summary>Prices set through the admin API and the CLI price the running server's next request; deleting an
/// override reverts to the file price; only operators may change prices; bad input is a 400 naming the field.</summary>
public sealed class PriceAdminTests(BillingHost host) : IClassFixture<BillingHost>
{
    private const string Chat = """{"model":"MODEL","messages":[{"role":"user","content":"Price me, please"}],"max_tokens":20}""";

    [Fact]
    public async Task ModelPriceSetThroughApi_ChargesTheNextRequest_AndDeleteReverts()
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(100_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        using var client = host.CreateClient(key.PlaintextKey);

        // m-openai has no price of its own: it is billed at its upstream model's (gpt-4o-mini) shipped price.
        var before = await ChatAsync(client, account.Id, "m-openai", ct);
        Assert.Equal(Expected(before, host.Prices.Find("gpt-4o-mini")!), before.ChargeMicros);

        var (status, row) = await AdminAsync(HttpMethod.Put, "/admin/v1/prices/models/m-openai",
            """{"input_per_million_micros":1000000000,"output_per_million_micros":3000000000,"per_request_micros":7}""", ct);
        Assert.Equal(200, status);
        Assert.Equal("override", row.GetProperty("source").GetString());
        Assert.Equal(1_000_000_000, row.GetProperty("cached_input_per_million_micros").GetInt64()); // defaults to input
        Assert.Equal(3_000_000_000, row.GetProperty("reasoning_per_million_micros").GetInt64()); // defaults to output

        var priced = await ChatAsync(client, account.Id, "m-openai", ct);
        var set = ModelPrice.Create(1_000_000_000, 3_000_000_000, perRequest: 7);
        Assert.Equal(Expected(priced, set), priced.ChargeMicros);
        Assert.True(priced.ChargeMicros > before.ChargeMicros * 100);

        var (_, list) = await AdminAsync(HttpMethod.Get, "/admin/v1/prices?model=m-openai", null, ct);
        Assert.Equal("override", list.GetProperty("data")[0].GetProperty("source").GetString());

        Assert.Equal(204, (await AdminAsync(HttpMethod.Delete, "/admin/v1/prices/models/m-openai", null, ct)).Status);
        Assert.Equal(404, (await AdminAsync(HttpMethod.Delete, "/admin/v1/prices/models/m-openai", null, ct)).Status);
        var after = await ChatAsync(client, account.Id, "m-openai", ct);
        Assert.Equal(Expected(after, host.Prices.Find("gpt-4o-mini")!), after.ChargeMicros);
        var (_, gone) = await AdminAsync(HttpMethod.Get, "/admin/v1/prices?model=m-openai", null, ct);
        Assert.Empty(gone.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task ChannelPriceAndGroupMultiplier_ApplyToTheirRequestsOnly()
    {
        var ct = Json.Timeout(30);
        var gold = await host.CreateAccountAsync(100_000_000, ct, group: "gold-test");
        var plain = await host.CreateAccountAsync(100_000_000, ct);
        var goldKey = await host.CreateKeyAsync(gold.Id, ApiKeyLimits.None, ct);
        var plainKey = await host.CreateKeyAsync(plain.Id, ApiKeyLimits.None, ct);
        using var goldClient = host.CreateClient(goldKey.PlaintextKey);
        using var plainClient = host.CreateClient(plainKey.PlaintextKey);

        // gpt-4o on the "cached" channel only: input overridden, the other figures inherit gpt-4o's.
        var (status, row) = await AdminAsync(HttpMethod.Put, "/admin/v1/prices/models/gpt-4o/channels/cached", """{"input_per_million_micros":90000000}""", ct);
        Assert.Equal(200, status);
        Assert.Equal("cached", row.GetProperty("channel").GetString());
        var model = host.Prices.Find("gpt-4o")!;
        var channelPrice = model with { InputPerMillion = 90_000_000 };
        Assert.Equal(channelPrice, host.Prices.Find("gpt-4o", "cached"));

        (status, row) = await AdminAsync(HttpMethod.Put, "/admin/v1/prices/groups/gold-test", """{"multiplier":"0.5"}""", ct);
        Assert.Equal(200, status);
        Assert.Equal(500_000, row.GetProperty("multiplier_ppm").GetInt64());

        try
        {
            var cachedPlain = await ChatAsync(plainClient, plain.Id, "m-cached", ct);
            Assert.Equal(Expected(cachedPlain, channelPrice), cachedPlain.ChargeMicros);
            Assert.Equal(model, host.Prices.Find("gpt-4o", "slow")); // other channels keep the model's price
            var cachedGold = await ChatAsync(goldClient, gold.Id, "m-cached", ct);
            Assert.Equal(Expected(cachedGold, channelPrice, new PriceMultiplier(500_000)), cachedGold.ChargeMicros);
        }
        finally
        {
            Assert.Equal(204, (await AdminAsync(HttpMethod.Delete, "/admin/v1/prices/models/gpt-4o/channels/cached", null, ct)).Status);
            Assert.Equal(204, (await AdminAsync(HttpMethod.Delete, "/admin/v1/prices/groups/gold-test", null, ct)).Status);
        }

        Assert.Equal(model, host.Prices.Find("gpt-4o", "cached"));
        Assert.Equal(PriceMultiplier.One, host.Prices.MultiplierFor("gold-test"));
    }

    [Theory]
    [InlineData("/admin/v1/prices/models/x", """{"input_per_million_micros":-1,"output_per_million_micros":1}""", "input_per_million_micros")]
    [InlineData("/admin/v1/prices/models/x", """{"input_per_million_micros":1}""", "output_per_million_micros")]
    [InlineData("/admin/v1/prices/models/x", """{"input_per_million_micros":"2.5","output_per_million_micros":1}""", "input_per_million_micros")]
    [InlineData("/admin/v1/prices/models/x", """{"input_per_million_micros":1,"output_per_million_micros":1000000000001}""", "output_per_million_micros")]
    [InlineData("/admin/v1/prices/models/x", """{"input_per_million_micros":1,"output_per_million_micros":1,"cheap":true}""", "cheap")]
    [InlineData("/admin/v1/prices/models/no-such-model-anywhere/channels/oa", """{"input_per_million_micros":1}""", "model")]
    [InlineData("/admin/v1/prices/models/gpt-4o-2024-08-06/channels/oa", """{"input_per_million_micros":1}""", "model")]
    [InlineData("/admin/v1/prices/groups/g", """{"multiplier":"lots"}""", "multiplier")]
    [InlineData("/admin/v1/prices/groups/g", """{"multiplier_ppm":1000000001}""", "multiplier_ppm")]
    [InlineData("/admin/v1/prices/groups/g", """{}""", "multiplier_ppm")]
    public async Task BadPrice_Is400NamingTheField(string path, string body, string field)
    {
        var ct = Json.Timeout(20);
        var (status, error) = await AdminAsync(HttpMethod.Put, path, body, ct);
        Assert.Equal(400, status);
        Assert.Equal(field, error.GetProperty("error").GetProperty("param").GetString());
        var (_, list) = await AdminAsync(HttpMethod.Get, "/admin/v1/prices?model=x", null, ct);
        Assert.Empty(list.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task NonOperator_CannotReadOrChangePrices()
    {
        var ct = Json.Timeout(20);
        var account = await host.CreateAccountAsync(1_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        foreach (var (method, path, body) in new[]
        {
            (HttpMethod.Put, "/admin/v1/prices/models/m-openai", """{"input_per_million_micros":0,"output_per_million_micros":0}"""),
            (HttpMethod.Put, "/admin/v1/prices/groups/default", """{"multiplier":"0"}"""),
            (HttpMethod.Get, "/admin/v1/prices", (string?)null),
        })
        {
            Assert.Equal(403, (await SendAsync(key.PlaintextKey, method, path, body, ct)).Status);
            Assert.Equal(401, (await SendAsync(BillingHost.ConfigKey, method, path, body, ct)).Status);
            Assert.Equal(401, (await SendAsync(null, method, path, body, ct)).Status);
        }

        Assert.NotEqual(0, host.Prices.Find("gpt-4o-mini")!.InputPerMillion);
        Assert.Equal(PriceMultiplier.One, host.Prices.MultiplierFor("default"));
    }

    [Fact]
    public async Task PriceSetWithCli_ReachesTheRunningServer()
    {
        var ct = Json.Timeout(30);
        var account = await host.CreateAccountAsync(100_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        using var client = host.CreateClient(key.PlaintextKey);

        var (code, output) = await CliAsync(ct, "prices", "set", "--model", "m-gemini", "--input", "500", "--output", "700.5");
        Assert.Equal(0, code);
        var row = JsonDocument.Parse(output).RootElement;
        Assert.Equal(700_500_000, row.GetProperty("output_per_million_micros").GetInt64());
        try
        {
            var set = ModelPrice.Create(500_000_000, 700_500_000);
            await WaitUntilAsync(() => host.Prices.Find("m-gemini") == set, ct);
            var charged = await ChatAsync(client, account.Id, "m-gemini", ct);
            Assert.Equal(Expected(charged, set), charged.ChargeMicros);

            (code, output) = await CliAsync(ct, "prices", "list", "--model", "m-gemini");
            Assert.Equal(0, code);
            Assert.Equal("override", JsonDocument.Parse(output).RootElement.GetProperty("source").GetString());
        }
        finally
        {
            Assert.Equal(0, (await CliAsync(ct, "prices", "unset", "--model", "m-gemini")).Code);
        }

        await WaitUntilAsync(() => host.Prices.Find("m-gemini") is null, ct);
        Assert.Equal(2, (await CliAsync(ct, "prices", "unset", "--model", "m-gemini")).Code);
        Assert.Equal(2, (await CliAsync(ct, "prices", "set", "--model", "m-gemini", "--input", "-1", "--output", "1")).Code);
    }

    private static long Expected(UsageRecord record, ModelPrice price, PriceMultiplier? multiplier = null) =>
        CostCalculator.Compute(SettlementTests.Reported(record), price, multiplier ?? PriceMultiplier.One).TotalMicros;

    private async Task<UsageRecord> ChatAsync(HttpClient client, string accountId, string model, CancellationToken ct)
    {
        string path = model == "m-gemini" ? "/v1beta/models/m-gemini:generateContent" : "/v1/chat/completions";
        string body = model == "m-gemini"
            ? """{"contents":[{"role":"user","parts":[{"text":"Price me, please"}]}],"generationConfig":{"maxOutputTokens":20}}"""
            : Chat.Replace("MODEL", model, StringComparison.Ordinal);
        using var response = await client.PostAsync(path, Json.Body(body), ct);
        Assert.Equal(200, (int)response.StatusCode);
        var record = await host.Store.GetUsageAsync(accountId, SettlementTests.RequestId(response), ct);
        Assert.NotNull(record);
        Assert.True(record.ChargeMicros > 0);
        Assert.Equal(record.ChargeMicros.ToString(CultureInfo.InvariantCulture), response.Headers.GetValues("x-candor-charge-micros").Single());
        return record;
    }

    private Task<(int Status, JsonElement Body)> AdminAsync(HttpMethod method, string path, string? body, CancellationToken ct) =>
        SendAsync(host.OperatorKey, method, path, body, ct);

    private async Task<(int Status, JsonElement Body)> SendAsync(string? key, HttpMethod method, string path, string? body, CancellationToken ct)
    {
        using var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(20) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Json.Body(body) };
        using var response = await client.SendAsync(request, ct);
        string text = await response.Content.ReadAsStringAsync(ct);
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<(int Code, string Out)> CliAsync(CancellationToken ct, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await CandorCli.RunAsync([.. args, "--data", host.DataDirectory], output, error, host.CliEnvironment, ct);
        return (code, output.ToString().Trim());
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        while (!condition())
        {
            await Task.Delay(50, ct);
        }
    }
}
