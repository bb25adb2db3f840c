using System.Collections.Concurrent;
using System.Diagnostics;
using Candor.Core.Accounts;
using Candor.FunctionalTests.Infrastructure;
using Xunit.Abstractions;

namespace Candor.FunctionalTests.Cluster;

/// <summary>A revoked key is refused by every node within a second (issue 16 item 4 and its proof; docs/scale-out.md,
/// "Changes reach every node"): three <c>candor</c> processes sharing one PostgreSQL and one Redis, each listening for the
/// store's change notifications, serve a key (cached by every node) while another key keeps them busy; the key is
/// revoked through node A's admin API, and B and C refuse it within 1 s of the revocation's answer — pushed, since
/// every node listened throughout (its pollers stand down while it listens) — while the other key is served on.</summary>
[Collection(ClusterProcesses.Name)]
public sealed class ClusterRevocationTests(ClusterUpstream upstream, ITestOutputHelper output) : IClassFixture<ClusterUpstream>
{
    private const string Chat = """{"model":"m","messages":[{"role":"user","content":"hi"}]}""";
    private const string Listening = "Listening for changes on PostgreSQL";
    private const string ListenerLost = "The change listener lost PostgreSQL";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(1);

    [ClusterFact]
    public async Task KeyRevokedOnProcessA_RefusedOnBAndCWithinOneSecond_UnderLoad_OtherKeyServedOn()
    {
        var ct = Json.Timeout(150);
        string revoked = "", accountId = "", keyId = "", other = "";
        await using var cluster = await CandorCluster.StartAsync(3, $$"""
            server:
              data_dir: data
              default_max_output_tokens: 50
              log_origin: cluster.test/log
            channels:
              - { id: oa, provider: openai, base_url: {{upstream.Emulator}}/v1, api_key_env: UPSTREAM_KEY }
            models:
              - { name: m, deployments: [{ channel: oa, model: gpt-4o-mini }] }
            cluster: { redis: "{{upstream.Redis}}", nodes: 3 }
            """, ClusterUpstream.Environment, async store =>
        {
            var account = await store.CreateAccountAsync("push", Account.DefaultGroup, ct);
            await store.TopUpAsync(account.Id, 1_000_000_000, "test", ct);
            var created = (await store.CreateKeyAsync(account.Id, "revoked", ApiKeyLimits.None, isOperator: false, ct))!;
            (revoked, accountId, keyId) = (created.PlaintextKey, account.Id, created.Record.Id);
            other = await CandorCluster.AccountWithKeyAsync(store, 1_000_000_000, ApiKeyLimits.None, ct);
        }, ct);
        try
        {
            await RunAsync(cluster, revoked, accountId, keyId, other, ct);
        }
        catch
        {
            output.WriteLine(cluster.Output());
            throw;
        }
    }

    private async Task RunAsync(CandorCluster cluster, string revoked, string accountId, string keyId, string other, CancellationToken ct)
    {
        // Every node listens (a node that polled would find the revocation within a second too, now and then) and
        // serves the key from its cache.
        for (int i = 0; i < cluster.Count; i++)
        {
            await cluster.WaitForLineAsync(i, Listening, TimeSpan.FromSeconds(30), ct);
            Assert.Equal(200, await ModelsStatusAsync(cluster, i, revoked, ct));
        }

        // Load on every node with the other key while the change travels.
        using var stop = new CancellationTokenSource();
        var served = new ConcurrentBag<(int Node, bool AfterRevocation, int Status)>();
        int revokedFlag = 0;
        var load = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json.Body(Chat) };
                request.Headers.Authorization = new("Bearer", other);
                bool after = Volatile.Read(ref revokedFlag) == 1;
                using var response = await cluster.Client(w % cluster.Count).SendAsync(request, ct);
                served.Add((w % cluster.Count, after, (int)response.StatusCode));
            }
        }, ct)).ToArray();
        while (served.Count < 30)
        {
            await Task.Delay(20, ct);
        }

        using (var revoke = new HttpRequestMessage(HttpMethod.Post, $"/admin/v1/accounts/{accountId}/keys/{keyId}/revoke"))
        {
            revoke.Headers.Authorization = new("Bearer", cluster.OperatorKey);
            using var answer = await cluster.Client(0).SendAsync(revoke, ct);
            Assert.Equal(200, (int)answer.StatusCode);
        }

        var clock = Stopwatch.StartNew();
        Volatile.Write(ref revokedFlag, 1);
        var refusedAfter = await Task.WhenAll(Enumerable.Range(0, cluster.Count).Select(async i =>
        {
            while (await ModelsStatusAsync(cluster, i, revoked, ct) != 401)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"node {i} still accepts the revoked key after 10 s");
                await Task.Delay(10, ct);
            }

            return clock.Elapsed;
        }));
        output.WriteLine($"revoked on node 0; refused by nodes 0, 1, 2 after {string.Join(", ", refusedAfter.Select(static e => $"{e.TotalMilliseconds:0} ms"))} (under load)");
        Assert.All(refusedAfter.Skip(1), elapsed => Assert.True(elapsed < Within, $"the revocation reached a node after {elapsed.TotalMilliseconds:0} ms"));

        // The other key is served on every node after the revocation too.
        while (Enumerable.Range(0, cluster.Count).Any(n => !served.Any(r => r.Node == n && r.AfterRevocation && r.Status == 200)))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "a node stopped serving the other key");
            await Task.Delay(20, ct);
        }

        await stop.CancelAsync();
        await Task.WhenAll(load);
        Assert.All(served, r => Assert.Equal(200, r.Status));

        // Pushed: every node listened throughout, so its pollers stood down.
        for (int i = 0; i < cluster.Count; i++)
        {
            Assert.False(cluster.HasWritten(i, ListenerLost), $"node {i} lost its change listener during the test");
        }
    }

    private static async Task<int> ModelsStatusAsync(CandorCluster cluster, int node, string key, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Authorization = new("Bearer", key);
        using var response = await cluster.Client(node).SendAsync(request, ct);
        return (int)response.StatusCode;
    }
}
