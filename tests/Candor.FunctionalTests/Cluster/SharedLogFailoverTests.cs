using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Candor.Core.Accounts;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Candor.FunctionalTests.Transparency;
using Candor.Storage;
using Xunit.Abstractions;

namespace Candor.FunctionalTests.Cluster;

/// <summary>Issue 16 item 5: one transparency log for three Candor processes on one PostgreSQL. Under load the node that
/// sequences the log is killed with SIGKILL: another node must take the role within seconds, every receipt id a client
/// was handed must end up in the one log (those of requests the dead node was serving too, once it restarts and seals
/// them as interrupted), and the checkpoint from before the kill must be consistent with the one after — checked with
/// the independent verifier over HTTP against the tiles every node serves from the database.</summary>
public sealed class SharedLogFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Origin = "cluster.test/log";
    private EmulatorHost _emulator = null!;

    public async Task InitializeAsync() => _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { RequiredApiKey = "upstream-secret" });

    public async Task DisposeAsync() => await _emulator.DisposeAsync();

    [ClusterFact]
    public async Task SequencerKilledUnderLoad_AnotherTakesOverAndOneConsistentLogHoldsEveryReceipt()
    {
        var ct = Json.Timeout(150);
        string emu = _emulator.BaseAddress.ToString().TrimEnd('/');
        string key = "";
        await using var cluster = await CandorCluster.StartAsync(3, $$"""
            server:
              data_dir: data
              default_max_output_tokens: 50
              log_origin: {{Origin}}
              log_max_merge_delay: 1s
            channels:
              - { id: oa, provider: openai, base_url: {{emu}}/x/tokens=8;chunk_ms=5/v1, api_key_env: UPSTREAM_KEY }
            models:
              - { name: m, deployments: [{ channel: oa, model: gpt-4o-mini }] }
            """, new Dictionary<string, string> { ["UPSTREAM_KEY"] = "upstream-secret" },
            async store => key = await CandorCluster.AccountWithKeyAsync(store, 1_000_000_000, ApiKeyLimits.None, ct), ct);
        try
        {
            await RunAsync(cluster, key, ct);
        }
        catch
        {
            output.WriteLine(cluster.Output());
            throw;
        }
    }

    private async Task RunAsync(CandorCluster cluster, string key, CancellationToken ct)
    {
        var handedOut = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal); // receipt id → response complete
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 9).Select(w => Task.Run(() => LoadAsync(cluster, key, w, handedOut, stop.Token), ct)).ToArray();

        // The sequencer is the node named in the head once a pass carried receipts.
        await WaitUntilAsync(() => handedOut.Count >= 40, ct);
        int leader = await SequencerAsync(cluster, exceptPid: 0, ct);
        int survivor = (leader + 1) % cluster.Count;
        // A checkpoint the survivor serves with entries in it (a node serves a new checkpoint only once it has verified
        // it, so right after the first pass it may still serve the empty one): the consistency proof below starts there.
        byte[] before = [];
        await WaitUntilAsync(async () =>
        {
            before = await cluster.Client(survivor).GetByteArrayAsync("/log/checkpoint", ct);
            return long.TryParse(System.Text.Encoding.UTF8.GetString(before).Split('\n')[1], out long size) && size > 0;
        }, ct);
        int killedPid = cluster.ProcessId(leader);
        int handedBeforeKill = handedOut.Count;
        var clock = Stopwatch.StartNew();
        await cluster.KillAsync(leader);

        int next = await SequencerAsync(cluster, exceptPid: killedPid, ct);
        var takeover = clock.Elapsed;
        output.WriteLine($"sequencer node {leader} killed after {handedBeforeKill} receipts; node {next} sequenced after {takeover.TotalMilliseconds:0} ms");
        Assert.NotEqual(leader, next);
        Assert.True(takeover < TimeSpan.FromSeconds(5), $"no new sequencer within 5 s ({takeover})");

        await WaitUntilAsync(() => handedOut.Count >= handedBeforeKill + 60, ct);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        // The killed node comes back under its own id (kept in its data directory; docs/scale-out.md, "Node ids"): it
        // takes back the requests its previous run was serving — recorded interrupted, their promised receipts sealed —
        // before it serves, instead of the others waiting for the dead run's lease to expire (RelationalStore.NodeLease,
        // 30 s). The surviving nodes' own requests have all ended by now.
        var restart = Stopwatch.StartNew();
        await cluster.StartNodeAsync(leader, ct);
        await WaitUntilAsync(async () => await cluster.ScalarAsync("SELECT COUNT(*) FROM admitted_requests WHERE recovered = 0", ct) is 0L, ct);
        output.WriteLine($"the killed node's admissions recovered {restart.Elapsed.TotalMilliseconds:0} ms after its restart began");
        Assert.True(restart.Elapsed < RelationalStore.NodeLease, $"recovered only after {restart.Elapsed} (the dead run's lease is {RelationalStore.NodeLease})");

        // Every stored receipt gets its index (the recovered ones' sealed receipts may be stored a moment after their
        // admissions are marked); every node then serves the head.
        long headSize = 0;
        await WaitUntilAsync(async () =>
        {
            if (await cluster.ScalarAsync("SELECT COUNT(*) FROM receipts WHERE leaf_index IS NULL", ct) is not 0L)
            {
                return false;
            }

            await Task.Delay(1000, ct);
            long size = (long)(await cluster.ScalarAsync("SELECT size FROM log_head WHERE id = 1", ct))!;
            bool settled = size == headSize && await cluster.ScalarAsync("SELECT COUNT(*) FROM receipts WHERE leaf_index IS NULL", ct) is 0L;
            headSize = size;
            return settled;
        }, ct);
        string verifierKey;
        using (var wellKnown = JsonDocument.Parse(await cluster.Client(survivor).GetStringAsync("/.well-known/candor", ct)))
        {
            verifierKey = wellKnown.RootElement.GetProperty("log").GetProperty("verifier_key").GetString()!;
        }

        var checkpoints = new byte[cluster.Count][];
        for (int i = 0; i < cluster.Count; i++)
        {
            int node = i;
            await WaitUntilAsync(async () =>
            {
                checkpoints[node] = await cluster.Client(node).GetByteArrayAsync("/log/checkpoint", ct);
                return IndependentVerifier.Checkpoint(verifierKey, checkpoints[node], out var c) is null && c!.Size == headSize;
            }, ct);
        }

        Assert.All(checkpoints, c => Assert.Equal(checkpoints[0], c));
        Assert.Null(IndependentVerifier.Checkpoint(verifierKey, before, out var old));
        Assert.Null(IndependentVerifier.Checkpoint(verifierKey, checkpoints[0], out var now));
        Assert.True(now!.Size >= old!.Size);
        using (var response = await cluster.Client(next).GetAsync($"/log/proof/consistency?from={old.Size}&to={now.Size}", ct))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            var hashes = doc.RootElement.GetProperty("proof").EnumerateArray().Select(static e => e.GetBytesFromBase64()).ToList();
            Assert.Null(IndependentVerifier.Consistency(old.Size, now.Size, old.Root, now.Root, hashes));
        }

        // The whole tree from the tiles a node serves: its root is the checkpoint's, and each receipt sits at its index.
        var entries = await EntriesAsync(cluster.Client(leader), now.Size, ct);
        Assert.Equal(now.Root, IndependentVerifier.RootOf([.. entries.Select(IndependentVerifier.LeafHash)], 0, entries.Count));
        var rows = await cluster.ReceiptsAsync([.. handedOut.Keys], ct);
        var missing = handedOut.Keys.Where(id => !rows.ContainsKey(id)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {handedOut.Count} receipt ids handed out are not stored: {string.Join(", ", missing.Take(5))}");
        var indices = new HashSet<long>();
        foreach (var (id, (leaf, body)) in rows)
        {
            Assert.True(leaf is { } index && index < now.Size, $"receipt {id} has no index under the checkpoint ({leaf})");
            Assert.True(indices.Add(leaf!.Value), $"index {leaf} given twice");
            Assert.Equal(SHA256.HashData(body), entries[(int)leaf.Value]);
        }

        output.WriteLine($"{rows.Count} receipts handed out ({handedOut.Count(static p => p.Value)} complete) in one log of {now.Size}; checkpoint {old.Size} → {now.Size} consistent");
    }

    /// <summary>A client of node <c>w % 3</c> (the next live one while it is down), half streaming.</summary>
    private static async Task LoadAsync(CandorCluster cluster, string key, int w, ConcurrentDictionary<string, bool> handedOut, CancellationToken stop)
    {
        for (int i = 0; !stop.IsCancellationRequested; i++)
        {
            int node = Enumerable.Range(w, cluster.Count).Select(n => n % cluster.Count).First(cluster.IsRunning);
            bool stream = (w + i) % 2 == 0;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
                {
                    Content = Json.Body(stream
                        ? """{"model":"m","stream":true,"messages":[{"role":"user","content":"go"}]}"""
                        : """{"model":"m","messages":[{"role":"user","content":"go"}]}"""),
                };
                request.Headers.Authorization = new("Bearer", key);
                using var response = await cluster.Client(node).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, CancellationToken.None);
                if (response.StatusCode != HttpStatusCode.OK || !response.Headers.TryGetValues("x-candor-receipt", out var values))
                {
                    continue;
                }

                string receipt = values.Single();
                handedOut[receipt] = false;
                string body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                handedOut[receipt] = stream ? body.Contains("[DONE]", StringComparison.Ordinal) : body.Contains("choices", StringComparison.Ordinal);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                // The node died under this request.
            }
        }
    }

    /// <summary>The node named sequencer in the head by a pass after the process <paramref name="exceptPid"/> stopped.</summary>
    private static async Task<int> SequencerAsync(CandorCluster cluster, int exceptPid, CancellationToken ct)
    {
        int node = -1;
        await WaitUntilAsync(async () =>
        {
            string leader = (string)(await cluster.ScalarAsync("SELECT leader FROM log_head WHERE id = 1", ct))!;
            int at = leader.LastIndexOf(':');
            int pid = at < 0 ? 0 : int.Parse(leader[(at + 1)..], CultureInfo.InvariantCulture);
            node = pid == exceptPid ? -1 : cluster.NodeOfProcess(pid);
            return node >= 0;
        }, ct);
        return node;
    }

    /// <summary>Every entry of the tree of <paramref name="size"/> leaves, from the entry bundles; each bundle is checked
    /// against its level-0 tile.</summary>
    private static async Task<List<byte[]>> EntriesAsync(HttpClient client, long size, CancellationToken ct)
    {
        var entries = new List<byte[]>();
        for (long tile = 0; tile * 256 < size; tile++)
        {
            int width = (int)Math.Min(256, size - (tile * 256));
            byte[] bundle = await client.GetByteArrayAsync("/log/" + IndependentVerifier.TilePath("entries", tile, width), ct);
            byte[] hashes = await client.GetByteArrayAsync("/log/" + IndependentVerifier.TilePath("0", tile, width), ct);
            int at = 0;
            for (int i = 0; i < width; i++)
            {
                int length = (bundle[at] << 8) | bundle[at + 1];
                byte[] entry = bundle[(at + 2)..(at + 2 + length)];
                at += 2 + length;
                Assert.Equal(hashes[(i * 32)..((i + 1) * 32)], IndependentVerifier.LeafHash(entry));
                entries.Add(entry);
            }
        }

        return entries;
    }

    private static Task WaitUntilAsync(Func<bool> condition, CancellationToken ct) => WaitUntilAsync(() => Task.FromResult(condition()), ct);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, CancellationToken ct)
    {
        while (!await condition())
        {
            await Task.Delay(50, ct);
        }
    }
}
