using System.Text.Json;

namespace Candor.Server.Admin;

/// <summary>THE ONE PLACE where the channel endpoints meet the routing work's health state. Until the routing
/// branch (selection, health, circuit breaking) is merged, it reports <c>"state":"unknown"</c> and re-enables
/// nothing; the lead wires it to routing's read-only health API (health state, recent error rates, latency
/// percentiles, disabled reason) and its re-enable method here, and nowhere else. See docs/channels.md, "Health".</summary>
internal static class ChannelHealth
{
    /// <summary>Writes the <c>"health"</c> member of a channel for GET /admin/v1/channels[/{id}].</summary>
    public static void Write(Utf8JsonWriter w, HttpContext http, string channelId)
    {
        _ = http;
        _ = channelId;

        // LEAD: replace with the routing health API, e.g. state (healthy|cooling_down|open|half_open|disabled),
        // error_rate (recent window), latency_ms { p50, p90, p99 }, disabled_reason (a 401/403 from the upstream).
        w.WriteStartObject("health");
        w.WriteString("state", "unknown");
        w.WriteString("note", "Passive health, error rates and latency percentiles are reported once the routing work is merged.");
        w.WriteEndObject();
    }

    /// <summary>Clears a health-disabled state (credential failure, open circuit) of <paramref name="channelId"/>.
    /// Returns whether anything was re-enabled; false until the routing work is wired in.</summary>
    public static bool TryReEnable(HttpContext http, string channelId)
    {
        _ = http;
        _ = channelId;

        // LEAD: call routing's re-enable method here and return its result.
        return false;
    }
}
