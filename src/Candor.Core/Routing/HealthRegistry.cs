using System.Collections.Concurrent;
using Candor.Core.Configuration;

namespace Candor.Core.Routing;

/// <summary>The health of every channel and deployment, kept across configuration snapshots (one per process).
/// State is keyed by channel id and (channel id, upstream model); when a reload changes a channel (URL,
/// provider, credential, API version) its state starts fresh, otherwise it carries over.</summary>
/// <remarks>This is the read API for operators: <see cref="Describe(RuntimeSnapshot)"/> and
/// <see cref="DescribeChannel"/> return copies (state, error rate, latency percentiles, in-flight, limits
/// usage) for the deployments of the given snapshot; <see cref="EnableChannel"/> and <see cref="DisableChannel"/>
/// are what an admin endpoint calls. Nothing here is persisted: a restart starts healthy.</remarks>
internal sealed class HealthRegistry(TimeProvider time, HealthEvents? events = null)
{
    private readonly HealthEvents _events = events ?? HealthEvents.None;
    private readonly ConcurrentDictionary<string, ChannelHealth> _channels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Channel, string Model), DeploymentHealth> _deployments = new();

    /// <summary>The clock every health decision reads.</summary>
    public TimeProvider Time { get; } = time;

    /// <summary>The state of <paramref name="channel"/>, fresh if its settings changed.</summary>
    public ChannelHealth Channel(ChannelRuntime channel)
    {
        string id = channel.Settings.Id;
        while (true)
        {
            if (_channels.TryGetValue(id, out var existing))
            {
                if (existing.Fingerprint == channel.Fingerprint)
                {
                    return existing;
                }

                var fresh = new ChannelHealth(id, channel.Fingerprint, Time, _events);
                if (_channels.TryUpdate(id, fresh, existing))
                {
                    return fresh;
                }
            }
            else
            {
                var created = _channels.GetOrAdd(id, _ => new ChannelHealth(id, channel.Fingerprint, Time, _events));
                if (created.Fingerprint == channel.Fingerprint)
                {
                    return created;
                }
            }
        }
    }

    /// <summary>The state of <paramref name="deployment"/> on <paramref name="channel"/>, fresh if the channel changed.</summary>
    public DeploymentHealth Deployment(ChannelRuntime channel, Deployment deployment)
    {
        var key = (channel.Settings.Id, deployment.UpstreamModel);
        while (true)
        {
            if (_deployments.TryGetValue(key, out var existing))
            {
                if (existing.Fingerprint == channel.Fingerprint)
                {
                    return existing;
                }

                var fresh = new DeploymentHealth(key.Id, key.UpstreamModel, channel.Fingerprint, Time, _events);
                if (_deployments.TryUpdate(key, fresh, existing))
                {
                    return fresh;
                }
            }
            else
            {
                var created = _deployments.GetOrAdd(key, k => new DeploymentHealth(k.Channel, k.Model, channel.Fingerprint, Time, _events));
                if (created.Fingerprint == channel.Fingerprint)
                {
                    return created;
                }
            }
        }
    }

    /// <summary>Re-enables a channel disabled by a credential failure or an admin, and closes the circuits of its
    /// deployments. Returns false when the snapshot has no such channel.</summary>
    public bool EnableChannel(RuntimeSnapshot snapshot, string channelId)
    {
        if (!snapshot.Channels.TryGetValue(channelId, out var channel))
        {
            return false;
        }

        Channel(channel).Enable();
        foreach (var route in snapshot.Models.Values)
        {
            foreach (var d in route.Deployments)
            {
                if (d.ChannelId == channelId)
                {
                    Deployment(channel, d).Reset();
                }
            }
        }

        return true;
    }

    /// <summary>Disables a channel until it is re-enabled (by <see cref="EnableChannel"/>, a successful probe, or a
    /// reload that changes its credential). <paramref name="reason"/> is shown by the read API; it must not hold
    /// secrets. Returns false when the snapshot has no such channel.</summary>
    public bool DisableChannel(RuntimeSnapshot snapshot, string channelId, string reason)
    {
        if (!snapshot.Channels.TryGetValue(channelId, out var channel))
        {
            return false;
        }

        Channel(channel).Disable(reason);
        return true;
    }

    /// <summary>The state of the deployment of <paramref name="snapshot"/> on <paramref name="channelId"/> serving
    /// <paramref name="upstreamModel"/>, or null when the snapshot has none (a report from a node configured otherwise).</summary>
    public DeploymentHealth? FindDeployment(RuntimeSnapshot snapshot, string channelId, string upstreamModel)
    {
        if (!snapshot.Channels.TryGetValue(channelId, out var channel))
        {
            return null;
        }

        foreach (var route in snapshot.Models.Values)
        {
            foreach (var d in route.Deployments)
            {
                if (d.ChannelId == channelId && d.UpstreamModel == upstreamModel)
                {
                    return Deployment(channel, d);
                }
            }
        }

        return null;
    }

    /// <summary>The health of every channel of <paramref name="snapshot"/>, ordered by channel id.</summary>
    public IReadOnlyList<ChannelHealthView> Describe(RuntimeSnapshot snapshot) =>
        snapshot.Channels.Keys.Order(StringComparer.Ordinal).Select(id => DescribeChannel(snapshot, id)!).ToArray();

    /// <summary>The health of one channel of <paramref name="snapshot"/>, or null when there is no such channel.</summary>
    public ChannelHealthView? DescribeChannel(RuntimeSnapshot snapshot, string channelId)
    {
        if (!snapshot.Channels.TryGetValue(channelId, out var channel))
        {
            return null;
        }

        var state = Channel(channel);
        var byModel = new SortedDictionary<string, (Deployment Deployment, List<string> Models)>(StringComparer.Ordinal);
        foreach (var route in snapshot.Models.Values)
        {
            foreach (var d in route.Deployments)
            {
                if (d.ChannelId != channelId)
                {
                    continue;
                }

                if (!byModel.TryGetValue(d.UpstreamModel, out var entry))
                {
                    entry = (d, []);
                    byModel[d.UpstreamModel] = entry;
                }

                entry.Models.Add(route.Name);
            }
        }

        var deployments = byModel.Values
            .Select(e => Deployment(channel, e.Deployment).Describe(e.Models.Order(StringComparer.Ordinal).ToArray(), state.Enabled))
            .ToArray();
        return new ChannelHealthView(channelId, state.Enabled, state.DisabledReason, state.DisabledAt, deployments);
    }
}
