using Candor.Core.Routing;
using Candor.Server.Admin.Contracts;

namespace Candor.Server.Admin;

/// <summary>Where the channel endpoints meet the router's health state (<see cref="HealthRegistry"/>, one per
/// process; docs/routing.md): the <c>health</c> member of a channel and the re-enable of a channel the router
/// disabled (credential refused) or whose circuits are open.</summary>
internal static class ChannelHealth
{
    /// <summary>The <c>"health"</c> member of a channel for GET /admin/v1/channels[/{id}]: whether the router
    /// routes to it, why not, and per deployment its state, window error rate, latency percentiles and load.</summary>
    public static ChannelHealthStateView Describe(HttpContext http, string channelId)
    {
        var registry = http.RequestServices.GetRequiredService<HealthRegistry>();
        var snapshot = http.RequestServices.GetRequiredService<SnapshotHolder>().Current;

        // A stored channel that is not routed (disabled, shadowed, unreadable credential) has no health state.
        var view = registry.DescribeChannel(snapshot, channelId);
        return ChannelHealthStateView.From(view, view is null ? "" : Worst(view.Deployments));
    }

    /// <summary>Clears the router's disabled state and open circuits of <paramref name="channelId"/>. Returns
    /// whether the running snapshot routes such a channel (and so had state to clear).</summary>
    public static bool TryReEnable(HttpContext http, string channelId)
    {
        var registry = http.RequestServices.GetRequiredService<HealthRegistry>();
        var snapshot = http.RequestServices.GetRequiredService<SnapshotHolder>().Current;
        return registry.EnableChannel(snapshot, channelId);
    }

    private static string Worst(IReadOnlyList<DeploymentHealthView> deployments)
    {
        string[] order = ["disabled", "cooling_down", "retry_after", "half_open", "healthy"];
        foreach (string state in order)
        {
            if (deployments.Any(d => d.State == state))
            {
                return state;
            }
        }

        return "healthy";
    }
}
