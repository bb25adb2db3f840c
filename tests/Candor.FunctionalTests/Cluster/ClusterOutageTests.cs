using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Candor.Core.Accounts;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Xunit.Abstractions;

namespace Candor.FunctionalTests.Cluster;

/// <summary>Issue 16's multi-node proof with three <c>candor</c> processes: Redis stopped and started again under load
/// (no key exceeds its limit, the service goes on), PostgreSQL stopped and started again under load (requests fail
/// closed while it is down and succeed again without an operator).</summary>
public sealed class ClusterOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Chat = """{"model":"m","messages":[{"role":"user","content":"go"}]}""";
    private EmulatorHost _emulator = null!;

    public async Task InitializeAsync() => _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { RequiredApiKey = "upstream-secret" });

    public async Task DisposeAsync() => await _emulator.DisposeAsync();

    private string Config(string sections = "") => $$"""
        server:
          data_dir: data
          default_max_output_tokens: 50
          log_origin: cluster.test/log
        channels:
          - { id: oa, provider: openai, base_url: {{_emulator.BaseAddress.ToString().TrimEnd('/')}}/v1, api_key_env: UPSTREAM_KEY }
        models:
          - { name: m, deployments: [{ channel: oa, model: gpt-4o-mini }] }
        {{sections}}
        """;

    private static Dictionary<string, string> UpstreamEnvironment => new() { ["UPSTREAM_KEY"] = "upstream-secret" };

    [ClusterFact]
    public async Task RedisStoppedAndStartedUnderLoad_NoKeyExceedsItsLimitAndServiceGoesOn()
    {
        var ct = Json.Timeout(120);
        await using var redis = await RedisServer.StartPersistentAsync(ct);
        string limited = "", free = "";
        await using var cluster = await CandorCluster.StartAsync(3, Config($"cluster: {{ redis: \"{redis.Configuration}\", nodes: 3 }}"), UpstreamEnvironment, async store =>
        {
            limited = await CandorCluster.AccountWithKeyAsync(store, 1_000_000_000, new ApiKeyLimits { RpmLimit = 30 }, ct);
            free = await CandorCluster.AccountWithKeyAsync(store, 1_000_000_000, ApiKeyLimits.None, ct);
        }, ct);
        try
        {
            var clock = Stopwatch.StartNew();
            int admitted = await BurstAsync(cluster, limited, 45, ct);
            Assert.Equal(30, admitted);

            await redis.ShutdownAsync();
            var outage = Stopwatch.StartNew();
            int alone = await BurstAsync(cluster, limited, 30, ct);
            Assert.Equal(9, await BurstAsync(cluster, free, 9, ct));

            await redis.StartAgainAsync(ct);
            outage.Stop();
            await Task.Delay(1500, ct); // each node asks Redis again a second after its last failure
            int after = await BurstAsync(cluster, limited, 30, ct);
            Assert.Equal(9, await BurstAsync(cluster, free, 9, ct));

            // A bucket of 30 refills at half a request per second; while Redis was away each node counted a third of
            // the limit alone, from empty buckets, and the shared bucket refilled meanwhile too.
            int total = admitted + alone + after;
            double allowance = 30 + (0.5 * clock.Elapsed.TotalSeconds) + (0.5 * outage.Elapsed.TotalSeconds) + 1;
            output.WriteLine($"rpm 30: {admitted} admitted with Redis, {alone} while it was down ({outage.Elapsed.TotalSeconds:0.0} s), {after} after; {total} in {clock.Elapsed.TotalSeconds:0.0} s (allowance {allowance:0.0})");
            Assert.True(total <= allowance, $"{total} admitted, beyond the limit's {allowance:0.0}");
        }
        catch
        {
            output.WriteLine(cluster.Output());
            throw;
        }
    }

    [ClusterFact]
    public async Task PostgresStoppedAndStartedUnderLoad_FailsClosedThenRecoversAlone()
    {
        var ct = Json.Timeout(150);
        await using var postgres = await PostgresServer.StartAsync(ct);
        string key = "";
        await using var cluster = await CandorCluster.StartAsync(3, Config(), UpstreamEnvironment,
            async store => key = await CandorCluster.AccountWithKeyAsync(store, 1_000_000_000, ApiKeyLimits.None, ct), ct, postgres.ConnectionString);
        try
        {
            var results = new ConcurrentBag<(int Node, long Sent, long Answered, int Status, string? Receipt)>();
            var clock = Stopwatch.StartNew();
            using var stop = new CancellationTokenSource();
            var workers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    int node = w % cluster.Count;
                    long sent = clock.ElapsedMilliseconds;
                    try
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json.Body(Chat) };
                        request.Headers.Authorization = new("Bearer", key);
                        using var response = await cluster.Client(node).SendAsync(request, CancellationToken.None);
                        string? receipt = response.Headers.TryGetValues("x-candor-receipt", out var v) ? v.Single() : null;
                        results.Add((node, sent, clock.ElapsedMilliseconds, (int)response.StatusCode, receipt));
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        results.Add((node, sent, clock.ElapsedMilliseconds, 0, null));
                    }

                    await Task.Delay(20, CancellationToken.None);
                }
            }, ct)).ToArray();

            // Serving first: a success on every node, then PostgreSQL stops.
            while (Enumerable.Range(0, cluster.Count).Any(n => !results.Any(r => r.Node == n && r.Status == 200)))
            {
                await Task.Delay(50, ct);
            }

            await postgres.StopAsync(ct);
            long down = clock.ElapsedMilliseconds;
            await Task.Delay(3000, ct);
            await postgres.StartAgainAsync(ct);
            long up = clock.ElapsedMilliseconds;

            // Recovered without an operator: every node serves again.
            var recovery = Stopwatch.StartNew();
            while (Enumerable.Range(0, cluster.Count).Any(n => !results.Any(r => r.Node == n && r.Sent > up && r.Status == 200)))
            {
                Assert.True(recovery.Elapsed < TimeSpan.FromSeconds(30), "a node did not serve again within 30 s of PostgreSQL's return");
                await Task.Delay(100, ct);
            }

            output.WriteLine($"every node served again {recovery.Elapsed.TotalMilliseconds:0} ms after PostgreSQL was back");
            await stop.CancelAsync();
            await Task.WhenAll(workers);

            // While it was down: sent after the stop and answered before the start, nothing succeeded; each was refused
            // with 503 (fail closed: no answer without its usage record and receipt).
            var whileDown = results.Where(r => r.Sent > down && r.Answered < up).ToList();
            Assert.NotEmpty(whileDown);
            Assert.All(whileDown, r => Assert.Equal(503, r.Status));
            Assert.Contains(results, r => r.Answered < down && r.Status == 200);

            // Every success, before and after, has its receipt stored.
            var served = results.Where(static r => r.Status == 200).Select(static r => r.Receipt!).ToList();
            var rows = await cluster.ReceiptsAsync(served, ct);
            Assert.Equal(served.Count, rows.Count);
            output.WriteLine($"{results.Count} requests: {whileDown.Count} while PostgreSQL was down (all 503), {served.Count} served, every one with its receipt");
        }
        catch
        {
            output.WriteLine(cluster.Output());
            throw;
        }
    }

    /// <summary>Sends <paramref name="count"/> requests at once, spread over the nodes; returns how many were admitted
    /// (200). Every other answer must be a 429.</summary>
    private static async Task<int> BurstAsync(CandorCluster cluster, string key, int count, CancellationToken ct)
    {
        var statuses = await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json.Body(Chat) };
            request.Headers.Authorization = new("Bearer", key);
            using var response = await cluster.Client(i % cluster.Count).SendAsync(request, ct);
            return response.StatusCode;
        }));
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"status {(int)s}"));
        return statuses.Count(static s => s == HttpStatusCode.OK);
    }
}
