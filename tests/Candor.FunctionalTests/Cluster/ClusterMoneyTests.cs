using Candor.Core.Accounts;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage;
using Xunit.Abstractions;

namespace Candor.FunctionalTests.Cluster;

/// <summary>Money exact across nodes (issue 16 item 2 and its proof; docs/scale-out.md, "Money across nodes"): three
/// <c>candor</c> processes sharing one PostgreSQL and one Redis take 300 concurrent requests of one key, spread over the
/// nodes, against a small balance or a small key budget. Each node's reservation is made atomically in the database
/// against every node's, so the balance never goes below zero, the key never spends past its budget, the ledger sums to
/// the balance, every admitted request has exactly one usage record, and nothing stays reserved or admitted once the
/// requests end.</summary>
[Collection(ClusterProcesses.Name)]
public sealed class ClusterMoneyTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Chat = """{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":50}""";
    private const int Requests = 300;
    private EmulatorHost _emulator = null!;
    private RedisServer _redis = null!;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { RequiredApiKey = "upstream-secret" });
        _redis = await RedisServer.StartAsync(Json.Timeout(30));
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _emulator.DisposeAsync();
    }

    [ClusterFact]
    public async Task ThreeProcesses_300ConcurrentRequests_SmallBalance_OverspendExactlyZero_LedgerExact()
    {
        var ct = Json.Timeout(240);
        const long Balance = 1_000; // about 28 reservations of this request at once, about 3× that in charges overall
        string key = "", accountId = "", keyId = "", warm = "";
        await using var cluster = await CandorCluster.StartAsync(3, Config(), UpstreamEnvironment, async store =>
        {
            var account = await store.CreateAccountAsync("shared", Account.DefaultGroup, ct);
            await store.TopUpAsync(account.Id, Balance, "test", ct);
            var created = (await store.CreateKeyAsync(account.Id, "k", ApiKeyLimits.None, isOperator: false, ct))!;
            (key, accountId, keyId) = (created.PlaintextKey, account.Id, created.Record.Id);
            warm = await CandorCluster.AccountWithKeyAsync(store, 1_000_000_000, ApiKeyLimits.None, ct);
        }, ct);
        try
        {
            await WarmAsync(cluster, warm, ct);
            var (ok, refused) = await SendSpreadAsync(cluster, key, ct);
            Assert.True(ok > 0 && refused > 0, $"{ok} admitted, {refused} refused: the balance was meant to run out");

            using var store = await cluster.OpenStoreAsync(ct);
            var summary = (await store.GetSummaryAsync(accountId, ct))!;
            output.WriteLine($"balance {Balance} µUSD: {ok} admitted, {refused} refused; charged {summary.UsageChargeMicros}, left {summary.BalanceMicros}");
            Assert.True(summary.BalanceMicros >= 0, $"overspent: the balance is {summary.BalanceMicros}");
            Assert.Equal(Balance - summary.UsageChargeMicros, summary.BalanceMicros);
            Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
            Assert.Equal(summary.ChargedMicros, summary.UsageChargeMicros);
            Assert.Equal(ok, summary.UsageCount);
            await AssertNothingHeldAsync(cluster, store, accountId, keyId, ct);
        }
        catch
        {
            output.WriteLine(cluster.Output());
            throw;
        }
    }

    [ClusterFact]
    public async Task ThreeProcesses_300ConcurrentRequests_SmallKeyBudget_NeverSpentPast_SpendEqualsUsage()
    {
        var ct = Json.Timeout(240);
        const long TopUp = 100_000_000, Budget = 700;
        string key = "", accountId = "", keyId = "", warm = "";
        await using var cluster = await CandorCluster.StartAsync(3, Config(), UpstreamEnvironment, async store =>
        {
            var account = await store.CreateAccountAsync("shared", Account.DefaultGroup, ct);
            await store.TopUpAsync(account.Id, TopUp, "test", ct);
            var created = (await store.CreateKeyAsync(account.Id, "k", new ApiKeyLimits { BudgetMicros = Budget }, isOperator: false, ct))!;
            (key, accountId, keyId) = (created.PlaintextKey, account.Id, created.Record.Id);
            warm = await CandorCluster.AccountWithKeyAsync(store, 1_000_000_000, ApiKeyLimits.None, ct);
        }, ct);
        try
        {
            await WarmAsync(cluster, warm, ct);
            var (ok, refused) = await SendSpreadAsync(cluster, key, ct);
            Assert.True(ok > 0 && refused > 0, $"{ok} admitted, {refused} refused: the budget was meant to run out");

            using var store = await cluster.OpenStoreAsync(ct);
            long spent = await store.GetKeySpendAsync(keyId, ct);
            output.WriteLine($"key budget {Budget} µUSD: {ok} admitted, {refused} refused; spent {spent}");
            Assert.InRange(spent, 1, Budget);
            var usage = await store.ListUsageAsync(accountId, keyId, 1000, null, ct);
            Assert.Equal(ok, usage.Items.Count);
            Assert.Equal(spent, usage.Items.Sum(u => u.ChargeMicros));
            var summary = (await store.GetSummaryAsync(accountId, ct))!;
            Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
            Assert.Equal(TopUp - spent, summary.BalanceMicros);
            await AssertNothingHeldAsync(cluster, store, accountId, keyId, ct);
        }
        catch
        {
            output.WriteLine(cluster.Output());
            throw;
        }
    }

    private string Config() => $$"""
        server:
          data_dir: data
          default_max_output_tokens: 200
          log_origin: cluster.test/log
        routing:
          all_unhealthy: try_anyway
        channels:
          - { id: oa, provider: openai, base_url: {{_emulator.BaseAddress.ToString().TrimEnd('/')}}/v1, api_key_env: UPSTREAM_KEY }
        models:
          - { name: m, deployments: [{ channel: oa, model: gpt-4o-mini }] }
        cluster: { redis: "{{_redis.Configuration}}", nodes: 3 }
        """;

    private static Dictionary<string, string> UpstreamEnvironment => new() { ["UPSTREAM_KEY"] = "upstream-secret" };

    /// <summary>A few requests of another account on every node first, so that the burst meets processes whose code is
    /// compiled and whose connections (upstream, PostgreSQL, Redis) are open: on a loaded machine a cold node can take
    /// longer than the admission write's 5 s to record its first requests, and fail them closed (503).</summary>
    private static async Task WarmAsync(CandorCluster cluster, string key, CancellationToken ct)
    {
        for (int round = 0; round < 3; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, cluster.Count * 2).Select(async i =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json.Body(Chat) };
                request.Headers.Authorization = new("Bearer", key);
                using var response = await cluster.Client(i % cluster.Count).SendAsync(request, ct);
                Assert.Equal(200, (int)response.StatusCode);
            }));
        }
    }

    /// <summary>Sends <see cref="Requests"/> requests at once, request i to node i mod 3; every answer is a 200 or the
    /// insufficient-quota 429, and every node answers its third.</summary>
    private async Task<(int Ok, int Refused)> SendSpreadAsync(CandorCluster cluster, string key, CancellationToken ct)
    {
        var clients = Enumerable.Range(0, cluster.Count).Select(i => new HttpClient { BaseAddress = cluster.Address(i), Timeout = TimeSpan.FromSeconds(120) }).ToList();
        try
        {
            var results = await Task.WhenAll(Enumerable.Range(0, Requests).Select(async i =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json.Body(Chat) };
                request.Headers.Authorization = new("Bearer", key);
                using var response = await clients[i % clients.Count].SendAsync(request, ct);
                return (Node: i % clients.Count, Status: (int)response.StatusCode, Body: await response.Content.ReadAsStringAsync(ct));
            }));
            var unexpected = results.Where(static r => r.Status != 200 && !(r.Status == 429 && r.Body.Contains("insufficient_quota", StringComparison.Ordinal))).ToList();
            Assert.True(unexpected.Count == 0, $"{unexpected.Count} unexpected answers, e.g. {unexpected.FirstOrDefault()}");
            output.WriteLine("admitted per node: " + string.Join(", ", Enumerable.Range(0, cluster.Count).Select(n => results.Count(r => r.Node == n && r.Status == 200))));
            return (results.Count(static r => r.Status == 200), results.Count(static r => r.Status == 429));
        }
        finally
        {
            clients.ForEach(static c => c.Dispose());
        }
    }

    /// <summary>Every settlement released its reservation: nothing held on the account or the key, and no admission left
    /// in the shared table by any node (each deleted by its settlement, in the same transaction).</summary>
    private static async Task AssertNothingHeldAsync(CandorCluster cluster, RelationalStore store, string accountId, string keyId, CancellationToken ct)
    {
        Assert.Equal((0L, 0L), await store.ReservedAsync(accountId, keyId, ct));
        Assert.Equal(0L, Convert.ToInt64(await cluster.ScalarAsync("SELECT COUNT(*) FROM admitted_requests", ct), System.Globalization.CultureInfo.InvariantCulture));
    }
}
