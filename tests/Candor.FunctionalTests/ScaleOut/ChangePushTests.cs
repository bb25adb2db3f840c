using System.Diagnostics;
using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Core.Audit;
using Candor.Core.Privacy;
using Candor.FunctionalTests.Infrastructure;
using Candor.Server.Hosting;
using Xunit.Abstractions;

namespace Candor.FunctionalTests.ScaleOut;

/// <summary>Changes reach every node at once (issue 16 item 4; docs/scale-out.md, "Changes reach every node"): three
/// servers on one PostgreSQL listen for the store's change notifications. A key revoked through node A's admin API is
/// refused by B and C within a second (measured), a price set on A prices B's and C's next request, and a quarantine or a
/// privacy policy set on A holds on the others, each applied from a notification rather than found by polling.</summary>
public sealed class ChangePushTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(1);

    [PostgresFact]
    public async Task KeyRevokedOnNodeA_RefusedOnBAndCWithinOneSecond_PriceSetOnAReachesTheOthers()
    {
        var ct = Json.Timeout(120);
        await using var cluster = await SharedStoreNodes.StartAsync(3, ct);
        await WaitListeningAsync(cluster, ct);
        var account = await cluster.Store.CreateAccountAsync("push", Account.DefaultGroup, ct);
        await cluster.Store.TopUpAsync(account.Id, 10_000_000, "test", ct);
        var key = await cluster.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        foreach (var node in cluster.Nodes)
        {
            using var client = node.CreateClient(key.PlaintextKey);
            using var models = await client.GetAsync("/v1/models", ct);
            Assert.Equal(200, (int)models.StatusCode);
        }

        var a = cluster.Nodes[0];
        using var admin = a.CreateClient(a.OperatorKey);
        long[] appliedBefore = [.. cluster.Nodes.Select(static n => n.Service<ChangeFeed>().Applied)];
        using (var revoke = await admin.PostAsync($"/admin/v1/accounts/{account.Id}/keys/{key.Record.Id}/revoke", null, ct))
        {
            Assert.Equal(200, (int)revoke.StatusCode);
        }

        var revoked = Stopwatch.StartNew();
        var seen = await Task.WhenAll(cluster.Nodes.Skip(1).Select(node => UntilAsync(async () =>
        {
            using var client = node.CreateClient(key.PlaintextKey);
            using var models = await client.GetAsync("/v1/models", ct);
            return (int)models.StatusCode == 401;
        }, revoked, ct)));
        output.WriteLine($"revocation refused on B and C after {string.Join(", ", seen.Select(static e => $"{e.TotalMilliseconds:F0} ms"))}");
        Assert.All(seen, elapsed => Assert.True(elapsed < Within, $"the revocation reached a node after {elapsed.TotalMilliseconds:F0} ms"));
        AssertPushed(cluster, appliedBefore, "the revocation");

        // A price set on node A prices the next request on B and C.
        appliedBefore = [.. cluster.Nodes.Select(static n => n.Service<ChangeFeed>().Applied)];
        using (var price = await admin.PutAsync("/admin/v1/prices/models/gpt-4o-mini",
            Json.Body("""{"input_per_million_micros": 777777, "output_per_million_micros": 888888}"""), ct))
        {
            Assert.Equal(200, (int)price.StatusCode);
        }

        var priced = Stopwatch.StartNew();
        seen = await Task.WhenAll(cluster.Nodes.Skip(1).Select(node => UntilAsync(
            () => Task.FromResult(node.Service<PriceBook>().Current.Find("gpt-4o-mini")?.InputPerMillion == 777777), priced, ct)));
        output.WriteLine($"price applied on B and C after {string.Join(", ", seen.Select(static e => $"{e.TotalMilliseconds:F0} ms"))}");
        Assert.All(seen, elapsed => Assert.True(elapsed < Within, $"the price reached a node after {elapsed.TotalMilliseconds:F0} ms"));
        AssertPushed(cluster, appliedBefore, "the price");
    }

    [PostgresFact]
    public async Task QuarantineAndPrivacyPolicySetOnNodeA_HoldOnBAndC_LiftedQuarantineToo()
    {
        var ct = Json.Timeout(120);
        await using var cluster = await SharedStoreNodes.StartAsync(3, ct);
        await WaitListeningAsync(cluster, ct);
        var account = await cluster.Store.CreateAccountAsync("push", Account.DefaultGroup, ct);
        var a = cluster.Nodes[0];

        await a.Service<ChannelQuarantine>().AddAsync(new QuarantineEntry("oa", "test figures", "substitution", DateTimeOffset.UtcNow), ct);
        var quarantined = Stopwatch.StartNew();
        var seen = await Task.WhenAll(cluster.Nodes.Skip(1).Select(node => UntilAsync(
            () => Task.FromResult(node.Service<ChannelQuarantine>().IsQuarantined("oa")), quarantined, ct)));
        Assert.All(seen, elapsed => Assert.True(elapsed < Within, $"the quarantine reached a node after {elapsed.TotalMilliseconds:F0} ms"));

        await a.Service<ChannelQuarantine>().ReleaseAsync("oa", ct);
        var lifted = Stopwatch.StartNew();
        seen = await Task.WhenAll(cluster.Nodes.Skip(1).Select(node => UntilAsync(
            () => Task.FromResult(!node.Service<ChannelQuarantine>().IsQuarantined("oa")), lifted, ct)));
        Assert.All(seen, elapsed => Assert.True(elapsed < Within, $"the lifted quarantine reached a node after {elapsed.TotalMilliseconds:F0} ms"));

        var policy = StoredPrivacy.Empty(PrivacySubject.Account, account.Id) with { HistoryEnabled = true };
        Assert.True(await a.Service<PrivacyDirectory>().SetAsync(policy, ct));
        var set = Stopwatch.StartNew();
        seen = await Task.WhenAll(cluster.Nodes.Skip(1).Select(node => UntilAsync(
            () => Task.FromResult(node.Service<PrivacyDirectory>().ForAccount(account.Id).HistoryEnabled), set, ct)));
        Assert.All(seen, elapsed => Assert.True(elapsed < Within, $"the privacy policy reached a node after {elapsed.TotalMilliseconds:F0} ms"));
    }

    /// <summary>Every node listens before a test changes anything (a node that started polling would pass too slowly to tell).</summary>
    private static async Task WaitListeningAsync(SharedStoreNodes cluster, CancellationToken ct)
    {
        foreach (var node in cluster.Nodes)
        {
            var feed = node.Service<ChangeFeed>();
            await UntilAsync(() => Task.FromResult(feed.IsListening), Stopwatch.StartNew(), ct);
        }
    }

    /// <summary>The other nodes applied the change from a notification (their feed counted it), not from a poll.</summary>
    private static void AssertPushed(SharedStoreNodes cluster, long[] appliedBefore, string what)
    {
        for (int i = 1; i < cluster.Nodes.Count; i++)
        {
            Assert.True(cluster.Nodes[i].Service<ChangeFeed>().Applied > appliedBefore[i], $"node {i} did not get {what} as a notification");
        }
    }

    /// <summary>Polls <paramref name="done"/> every 10 ms; returns the time since <paramref name="since"/> started when it held.</summary>
    private static async Task<TimeSpan> UntilAsync(Func<Task<bool>> done, Stopwatch since, CancellationToken ct)
    {
        while (!await done())
        {
            ct.ThrowIfCancellationRequested();
            await Task.Delay(10, ct);
        }

        return since.Elapsed;
    }
}
