using Candor.Core.Accounts;
using Candor.Core.Accounts.Redemptions;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.ScaleOut;

/// <summary>The redemption throttle holds across nodes (issue 16; docs/scale-out.md, "Shared limits"): three servers on one
/// PostgreSQL count unknown codes in the store's shared attempt counters, so guesses spread over the nodes reach the one
/// bound (<see cref="RedeemThrottle.MaxFailures"/>) together — an attacker does not get N times the guesses with N nodes.
/// Before, each node counted alone and the 11th guess was answered 404 on a node that had seen only a few.</summary>
public sealed class RedeemThrottleAcrossNodesTests
{
    [PostgresFact]
    public async Task UnknownCodesSpreadOverThreeNodes_TheBoundHoldsForTheInstallation()
    {
        var ct = Json.Timeout(120);
        await using var cluster = await SharedStoreNodes.StartAsync(3, ct);
        var account = await cluster.Store.CreateAccountAsync("guesser", Account.DefaultGroup, ct);
        var key = await cluster.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);

        // The bound's guesses, node after node: each is an unknown code (404) until the installation has seen them all.
        for (int i = 0; i < RedeemThrottle.MaxFailures; i++)
        {
            var node = cluster.Nodes[i % cluster.Nodes.Count];
            var (status, text) = await node.SendAsync(key.PlaintextKey, HttpMethod.Post, "/v1/redeem", $$"""{"code":"cdr-guess{{i}}"}""", ct);
            Assert.True(status == 404, $"guess {i} on node {i % cluster.Nodes.Count}: {status} {text}");
        }

        // Every node now refuses the key (and the loopback address every client shares here), whatever it saw itself.
        foreach (var node in cluster.Nodes)
        {
            var (status, text) = await node.SendAsync(key.PlaintextKey, HttpMethod.Post, "/v1/redeem", """{"code":"cdr-guess-more"}""", ct);
            Assert.True(status == 429, $"{status} {text}");
            Assert.Contains("too_many_attempts", text, StringComparison.Ordinal);
        }
    }
}
