using System.Diagnostics.Metrics;
using Candor.Core.Audit;
using Candor.Core.Routing;
using Candor.Server.Surfaces;
using Candor.Transparency.Log;

namespace Candor.Server.Operations;

/// <summary>The gauges read from this server's state at each collection (meter <c>Candor.Server</c>): requests in
/// flight, open streams, deployments by circuit state, quarantined channels and the transparency log's size. Labels are
/// configured channel ids, upstream model names and fixed state words.</summary>
internal sealed class ServerMetrics
{
    private readonly Meter _meter;

    public ServerMetrics(IMeterFactory meters, NodeAdmission admission, SnapshotHolder snapshots, HealthRegistry health,
        ChannelQuarantine quarantine, IPublishedLog? log = null)
    {
        _meter = meters.Create("Candor.Server");
        _meter.CreateObservableGauge("candor.requests.in_flight", () => admission.InFlight, "{request}", "Requests admitted and not yet answered");
        _meter.CreateObservableGauge("candor.streams.open", () => admission.OpenStreams, "{stream}", "Streamed answers in progress");
        _meter.CreateObservableGauge("candor.routing.deployments", () => Deployments(snapshots.Current, health), "{deployment}",
            "Deployments by channel, upstream model and circuit state (healthy, cooling_down, half_open, retry_after, disabled)");
        _meter.CreateObservableGauge("candor.channels.quarantined", () => Quarantined(snapshots.Current, quarantine), "{channel}",
            "1 for each configured channel quarantined by an audit, else 0");
        if (log is not null)
        {
            _meter.CreateObservableGauge("candor.transparency.log.size", () => log.Size, "{entry}", "Entries covered by the latest checkpoint");
        }
    }

    private static IEnumerable<Measurement<int>> Deployments(RuntimeSnapshot snapshot, HealthRegistry health)
    {
        foreach (var channel in health.Describe(snapshot))
        {
            foreach (var d in channel.Deployments)
            {
                yield return new Measurement<int>(1, new("channel", d.ChannelId), new("upstream_model", d.UpstreamModel), new("state", d.State));
            }
        }
    }

    private static IEnumerable<Measurement<int>> Quarantined(RuntimeSnapshot snapshot, ChannelQuarantine quarantine)
    {
        foreach (string id in snapshot.Channels.Keys)
        {
            yield return new Measurement<int>(quarantine.IsQuarantined(id) ? 1 : 0, new KeyValuePair<string, object?>("channel", id));
        }
    }

}
