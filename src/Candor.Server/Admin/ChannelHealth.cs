using System.Text.Json;
using Candor.Core.Routing;

namespace Candor.Server.Admin;

/// <summary>Where the channel endpoints meet the router's health state (<see cref="HealthRegistry"/>, one per
/// process; docs/routing.md): the <c>health</c> member of a channel and the re-enable of a channel the router
/// disabled (credential refused) or whose circuits are open.</summary>
internal static class ChannelHealth
{
    /// <summary>Writes the <c>"health"</c> member of a channel for GET /admin/v1/channels[/{id}]: whether the router
    /// routes to it, why not, and per deployment its state, window error rate, latency percentiles and load.</summary>
    public static void Write(Utf8JsonWriter w, HttpContext http, string channelId)
    {
        var registry = http.RequestServices.GetRequiredService<HealthRegistry>();
        var snapshot = http.RequestServices.GetRequiredService<SnapshotHolder>().Current;
        var view = registry.DescribeChannel(snapshot, channelId);
        w.WriteStartObject("health");
        if (view is null)
        {
            // A stored channel that is not routed (disabled, shadowed, unreadable credential) has no health state.
            w.WriteString("state", "not_routed");
            w.WriteEndObject();
            return;
        }

        w.WriteString("state", !view.Enabled ? "disabled" : Worst(view.Deployments));
        w.WriteBoolean("enabled", view.Enabled);
        if (view.DisabledReason is { } reason)
        {
            w.WriteString("disabled_reason", reason);
        }

        if (view.DisabledAt is { } at)
        {
            w.WriteString("disabled_at", at.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        }

        w.WriteStartArray("deployments");
        foreach (var d in view.Deployments)
        {
            w.WriteStartObject();
            w.WriteString("upstream_model", d.UpstreamModel);
            w.WriteStartArray("models");
            foreach (string m in d.Models)
            {
                w.WriteStringValue(m);
            }

            w.WriteEndArray();
            w.WriteString("state", d.State);
            if (d.Until is { } until)
            {
                w.WriteString("until", until.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            }

            w.WriteNumber("in_flight", d.InFlight);
            w.WriteNumber("window_requests", d.WindowRequests);
            w.WriteNumber("window_failures", d.WindowFailures);
            w.WriteNumber("error_rate", Math.Round(d.ErrorRate, 4));
            w.WriteStartObject("latency_ms");
            Nullable(w, "p50", d.LatencyP50Ms);
            Nullable(w, "p90", d.LatencyP90Ms);
            Nullable(w, "p99", d.LatencyP99Ms);
            Nullable(w, "ewma", d.EwmaMs);
            w.WriteEndObject();
            w.WriteNumber("requests_last_minute", d.RequestsLastMinute);
            w.WriteNumber("tokens_last_minute", d.TokensLastMinute);
            w.WriteNumber("total_requests", d.TotalRequests);
            w.WriteNumber("total_failures", d.TotalFailures);
            if (d.LastFailure is { } failure)
            {
                w.WriteString("last_failure", failure);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
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

    private static void Nullable(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, Math.Round(v, 2));
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
