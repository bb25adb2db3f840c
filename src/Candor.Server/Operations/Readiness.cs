using Candor.Core.Admission;
using Candor.Core.Audit;
using Candor.Core.Routing;
using Candor.Storage;
using Candor.Transparency.Log;

namespace Candor.Server.Operations;

/// <summary>Whether this node should get traffic (<c>/readyz</c>, docs/operations.md "Health"): the store takes a write,
/// the transparency log appends and publishes checkpoints, the configuration is loaded, and each public model has a deployment that
/// can serve. A failing store or a failed or stalled log make the node unready; a model without a serving deployment makes it
/// degraded (still ready: every node shares the upstreams, so taking nodes out would not help).</summary>
internal sealed class Readiness(SnapshotHolder snapshots, HealthRegistry health, ChannelQuarantine quarantine, TimeProvider time,
    StoreHealth? storeHealth = null, RelationalStore? store = null, IPublishedLog? log = null)
{
    /// <summary>How long one probe write's result is reused: a load balancer polling every second writes once.</summary>
    private static readonly TimeSpan ProbeReuse = TimeSpan.FromSeconds(1);

    /// <summary>How long a probe write may take before the store counts as failing (below the SQLite busy timeout).</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private Task<bool>? _probe;
    private long _probedAt;

    /// <summary>Checks every condition.</summary>
    public async Task<ReadinessReport> CheckAsync(CancellationToken cancellationToken)
    {
        var snapshot = snapshots.Current;
        string storeState = store is null ? "none" : await StoreWritableAsync().WaitAsync(cancellationToken).ConfigureAwait(false) ? "ok" : "failing";
        string logState = log is null ? "none"
            : log.AppendsRefused ? "failing"
            : log.MergeBacklog > Max(TimeSpan.FromSeconds(10), log.MaxMergeDelay * 10) ? "stalled" : "ok";

        var serving = new HashSet<(string Channel, string Upstream)>();
        foreach (var channel in health.Describe(snapshot))
        {
            if (quarantine.IsQuarantined(channel.ChannelId))
            {
                continue;
            }

            foreach (var d in channel.Deployments)
            {
                if (d.State is "healthy" or "half_open")
                {
                    serving.Add((d.ChannelId, d.UpstreamModel));
                }
            }
        }

        var unserved = new List<string>();
        foreach (var route in snapshot.Models.Values)
        {
            if (!route.Deployments.Any(d => serving.Contains((d.ChannelId, d.UpstreamModel))))
            {
                unserved.Add(route.Name);
            }
        }

        unserved.Sort(StringComparer.Ordinal);
        string status = storeState == "failing" || logState is "stalled" or "failing" ? "unready" : unserved.Count > 0 ? "degraded" : "ready";
        return new ReadinessReport(status, storeState, logState, snapshot.Models.Count, unserved);
    }

    /// <summary>One small durable write, shared by the calls of one second. Its outcome feeds <see cref="StoreHealth"/>,
    /// like any write's: a failure refuses stored keys until a write commits again.</summary>
    private Task<bool> StoreWritableAsync()
    {
        lock (_gate)
        {
            if (_probe is { } recent && (!recent.IsCompleted || time.GetElapsedTime(_probedAt) < ProbeReuse))
            {
                return recent;
            }

            _probedAt = time.GetTimestamp();
            _probe = ProbeAsync();
            return _probe;
        }
    }

    private async Task<bool> ProbeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(ProbeTimeout, time);
            // On the pool: SQLite's busy wait on a held lock blocks the calling thread before the task is returned.
            var write = Task.Run(() => store!.ProbeWriteAsync(timeout.Token), CancellationToken.None);
            try
            {
                await write.WaitAsync(ProbeTimeout, time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The write goes on by itself (SQLite's busy wait); its failure is observed here.
                _ = write.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                throw;
            }

            storeHealth?.Succeeded();
            return true;
        }
#pragma warning disable CA1031 // Any failure of the probe write means the store does not take writes.
        catch (Exception e)
#pragma warning restore CA1031
        {
            storeHealth?.Failed("readiness", e);
            return false;
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

/// <summary>What <c>/readyz</c> reports.</summary>
/// <param name="Status">ready, degraded (a model has no serving deployment) or unready.</param>
/// <param name="Store">ok, failing or none (no data directory).</param>
/// <param name="TransparencyLog">ok, failing (the journal refuses appends until restart), stalled (entries wait far
/// beyond the merge delay) or none.</param>
/// <param name="Models">Public models configured.</param>
/// <param name="Unserved">Public models without a healthy (or half-open) deployment on an unquarantined channel.</param>
internal sealed record ReadinessReport(string Status, string Store, string TransparencyLog, int Models, IReadOnlyList<string> Unserved);
