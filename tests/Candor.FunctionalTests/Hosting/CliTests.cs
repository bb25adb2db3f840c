using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Hosting;

/// <summary>The operator CLI over a data directory: init prints the operator key once; accounts, keys and
/// top-ups work and print keys only at creation.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("candor-cli-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => InProcessCli.RunAsync(_data, args);

    [Fact]
    public async Task Init_PrintsTheOperatorKeyOnceAndNeverAgain()
    {
        var first = await RunAsync("init");
        Assert.Equal(0, first.Code);
        var key = first.Out.Split('\n').Single(l => l.StartsWith("sk-cd-", StringComparison.Ordinal)).Trim();
        Assert.Equal(46, key.Length);

        var second = await RunAsync("init");
        Assert.Equal(0, second.Code);
        Assert.DoesNotContain("sk-cd-", second.Out, StringComparison.Ordinal);
        Assert.Contains("already exists", second.Out, StringComparison.Ordinal);
        foreach (var file in Directory.GetFiles(_data))
        {
            Assert.DoesNotContain(key, await File.ReadAllTextAsync(file), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AccountsKeysAndTopUps_WorkAndShowTheKeyOnlyAtCreation()
    {
        Assert.Equal(0, (await RunAsync("init")).Code);
        var account = JsonDocument.Parse((await RunAsync("accounts", "create", "--name", "Team A", "--group", "pro")).Out).RootElement;
        string accountId = account.GetProperty("id").GetString()!;
        Assert.StartsWith("acct_", accountId, StringComparison.Ordinal);

        var created = await RunAsync("keys", "create", "--account", accountId, "--name", "ci", "--models", "m-openai,m-gemini", "--rpm", "60", "--budget", "12.5");
        Assert.Equal(0, created.Code);
        var key = JsonDocument.Parse(created.Out).RootElement;
        string plaintext = key.GetProperty("key").GetString()!;
        Assert.StartsWith("sk-cd-", plaintext, StringComparison.Ordinal);
        string keyId = key.GetProperty("id").GetString()!;

        var listed = await RunAsync("keys", "list", "--account", accountId);
        Assert.Contains(keyId, listed.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(plaintext, listed.Out, StringComparison.Ordinal);

        var topup = JsonDocument.Parse((await RunAsync("topup", "--account", accountId, "--amount", "10.000001")).Out).RootElement;
        Assert.Equal(10_000_001, topup.GetProperty("balance_micros").GetInt64());
        var accounts = await RunAsync("accounts", "list");
        Assert.Contains("\"balance_micros\":10000001", accounts.Out, StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync("keys", "revoke", "--account", accountId, "--key", keyId)).Code);
        var again = await RunAsync("keys", "revoke", "--account", accountId, "--key", keyId);
        Assert.Equal(2, again.Code);
        Assert.Contains("no active key", again.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysList_FollowsTheStoreCursor_AndListsEveryKeyOnce()
    {
        var ct = Json.Timeout(120);
        Assert.Equal(0, (await RunAsync("init")).Code);
        string accountId = JsonDocument.Parse((await RunAsync("accounts", "create", "--name", "many")).Out).RootElement.GetProperty("id").GetString()!;
        int count = (2 * Candor.Server.Cli.AdminCommands.KeyPage) + 3;
        using (var store = await Candor.Server.Cli.AdminCommands.OpenAsync(Candor.Server.Cli.CliArgs.Parse("keys list", ["--data", _data]), ct))
        {
            for (int i = 0; i < count; i++)
            {
                Assert.NotNull(await store.CreateKeyAsync(accountId, "k" + i, Candor.Core.Accounts.ApiKeyLimits.None, isOperator: false, ct));
            }
        }

        var listed = await RunAsync("keys", "list", "--account", accountId);
        Assert.Equal(0, listed.Code);
        var names = listed.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(static l => JsonDocument.Parse(l).RootElement.GetProperty("name").GetString()!).ToList();
        Assert.Equal(count, names.Count);
        Assert.Equal(count, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData(new[] { "topup", "--account", "acct_x", "--amount", "1.0000001" }, "at most six decimals")]
    [InlineData(new[] { "keys", "create", "--account", "acct_x" }, "--name is required")]
    [InlineData(new[] { "keys", "create", "--account", "acct_x", "--name", "k", "--cidrs", "10.0.0.1/8" }, "has host bits set; did you mean 10.0.0.0/8")]
    [InlineData(new[] { "keys", "create", "--account", "acct_x", "--name", "k" }, "no account 'acct_x'")]
    [InlineData(new[] { "accounts", "delete" }, "unknown verb")]
    [InlineData(new[] { "frobnicate" }, "unknown command")]
    public async Task BadArguments_Exit2WithAMessage(string[] args, string message)
    {
        Assert.Equal(0, (await RunAsync("init")).Code);
        var result = await RunAsync(args);
        Assert.Equal(2, result.Code);
        Assert.StartsWith("candor: ", result.Err, StringComparison.Ordinal);
        Assert.Contains(message, result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_ListsTheAccountsRecordsWithAbsentFiguresLeftOut()
    {
        Assert.Equal(0, (await RunAsync("init")).Code);
        string accountId = JsonDocument.Parse((await RunAsync("accounts", "create", "--name", "U")).Out).RootElement.GetProperty("id").GetString()!;
        string keyId = JsonDocument.Parse((await RunAsync("keys", "create", "--account", accountId, "--name", "k")).Out).RootElement.GetProperty("id").GetString()!;
        Assert.Equal(0, (await RunAsync("topup", "--account", accountId, "--amount", "1")).Code);
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            var boot = await Candor.Storage.StoreBootstrap.InitializeAsync(_data, TimeProvider.System, cts.Token);
            using var store = boot.Store;
            var usage = new Candor.Core.Accounts.UsageRecord
            {
                RequestId = "req_cli_1",
                AccountId = accountId,
                KeyId = keyId,
                CreatedAt = DateTimeOffset.UtcNow,
                Surface = "openai",
                RequestedModel = "gpt-4o-mini",
                UpstreamModel = "gpt-4o-mini",
                Outcome = Candor.Core.Accounts.UsageOutcome.Complete,
                ReportedInputTokens = 12,
                ReportedOutputTokens = 0,
                BilledSource = Candor.Core.Accounts.BilledSource.Upstream,
                ChargeMicros = 42,
                DurationMs = 5,
            };
            Assert.True(await store.RecordUsageAsync(usage, Candor.Core.Accounts.LedgerEntry.ChargeFor(usage), cts.Token));
        }

        var listed = await RunAsync("usage", "--account", accountId);
        Assert.Equal(0, listed.Code);
        var row = JsonDocument.Parse(listed.Out).RootElement;
        Assert.Equal("req_cli_1", row.GetProperty("request_id").GetString());
        Assert.Equal(12, row.GetProperty("reported_input_tokens").GetInt32());
        Assert.Equal(0, row.GetProperty("reported_output_tokens").GetInt32());
        Assert.False(row.TryGetProperty("reported_reasoning_tokens", out _));
        Assert.Equal(42, row.GetProperty("charge_micros").GetInt64());
    }

    [Fact]
    public async Task Prices_ShowsTheEffectiveTableWithOperatorOverlays()
    {
        var shipped = await RunAsync("prices", "--model", "gpt-4o-mini");
        Assert.Equal(0, shipped.Code);
        var row = JsonDocument.Parse(shipped.Out).RootElement;
        Assert.True(row.GetProperty("input_per_million_micros").GetInt64() > 0);

        string file = Path.Combine(_data, "ops-prices.yaml");
        Directory.CreateDirectory(_data);
        await File.WriteAllTextAsync(file, "models:\n  gpt-4o-mini:\n    input: 1.25\n    output: 5\n");
        var overlaid = await RunAsync("prices", "--model", "gpt-4o-mini", "--file", file);
        Assert.Equal(0, overlaid.Code);
        Assert.Equal(1_250_000, JsonDocument.Parse(overlaid.Out).RootElement.GetProperty("input_per_million_micros").GetInt64());

        await File.WriteAllTextAsync(file, "models:\n  gpt-4o-mini:\n    input: lots\n");
        var bad = await RunAsync("prices", "--file", file);
        Assert.Equal(2, bad.Code);
        Assert.Contains("ops-prices.yaml:", bad.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommandsBeforeInit_AskForInit()
    {
        var result = await RunAsync("accounts", "list");
        Assert.Equal(2, result.Code);
        Assert.Contains("candor init", result.Err, StringComparison.Ordinal);
    }
}
