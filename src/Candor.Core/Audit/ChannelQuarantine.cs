using System.Collections.Concurrent;

namespace Candor.Core.Audit;

/// <summary>
/// The channels that failed an audit, with the reason and time. Routing consults <see cref="IsQuarantined"/> before
/// it tries a deployment (one lock-free dictionary read); an operator lifts a quarantine through the admin API
/// (<c>DELETE /admin/v1/audit/quarantine/{channel}</c>). With a data directory every change is written through to
/// the store and <see cref="LoadAsync"/> restores the quarantines before the server listens, so a restart does not
/// hand a dishonest channel its traffic back; without one they live in memory only.
/// </summary>
/// <param name="store">Where quarantines are kept across restarts; null keeps them in memory only.</param>
internal sealed class ChannelQuarantine(IQuarantineStore? store = null)
{
    private readonly ConcurrentDictionary<string, QuarantineEntry> _entries = new(StringComparer.Ordinal);

    /// <summary>A channel quarantined (true) or released (false) on this node (the cluster tells the other nodes).</summary>
    internal event Action<string, bool>? Changed;

    /// <summary>Whether quarantines survive a restart.</summary>
    public bool Durable => store is not null;

    /// <summary>True when <paramref name="channelId"/> must receive no client requests.</summary>
    public bool IsQuarantined(string channelId) => !_entries.IsEmpty && _entries.ContainsKey(channelId);

    /// <summary>The deployments whose channel is not quarantined (the same list when none is).</summary>
    public IReadOnlyList<Configuration.Deployment> Exclude(IReadOnlyList<Configuration.Deployment> deployments) =>
        _entries.IsEmpty || !deployments.Any(d => IsQuarantined(d.ChannelId)) ? deployments : [.. deployments.Where(d => !IsQuarantined(d.ChannelId))];

    /// <summary>The 503 of a request whose every remaining deployment is on a quarantined channel.</summary>
    public static Protocols.Canonical.RelayError AllQuarantined(string publicModel) =>
        Protocols.Codecs.UpstreamErrors.Unavailable($"every channel serving {publicModel} is quarantined by an audit");

    /// <summary>The current quarantines, oldest first.</summary>
    public IReadOnlyList<QuarantineEntry> Entries => _entries.Values.OrderBy(static e => e.Since).ToArray();

    /// <summary>Restores the stored quarantines (at start).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (store is null)
        {
            return;
        }

        foreach (var entry in await store.ListQuarantinesAsync(cancellationToken).ConfigureAwait(false))
        {
            _entries.TryAdd(entry.ChannelId, entry);
        }
    }

    /// <summary>Replaces the quarantines with the stored ones: a quarantine added or lifted by another node sharing the
    /// store applies here too (docs/scale-out.md).</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        if (store is null)
        {
            return;
        }

        var stored = (await store.ListQuarantinesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(static e => e.ChannelId, StringComparer.Ordinal);
        foreach (var entry in stored.Values)
        {
            _entries.TryAdd(entry.ChannelId, entry);
        }

        foreach (string channel in _entries.Keys)
        {
            if (!stored.ContainsKey(channel))
            {
                _entries.TryRemove(channel, out _);
            }
        }
    }

    /// <summary>Quarantines a channel; returns false when it already was (the first reason stays). The channel leaves
    /// routing at once; the store is written next (if that fails the quarantine still holds until a restart).</summary>
    public async Task<bool> AddAsync(QuarantineEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!_entries.TryAdd(entry.ChannelId, entry))
        {
            return false;
        }

        if (store is not null)
        {
            await store.AddQuarantineAsync(entry, cancellationToken).ConfigureAwait(false);
        }

        Changed?.Invoke(entry.ChannelId, true);
        return true;
    }

    /// <summary>Lifts a quarantine; returns false when the channel was not quarantined. The store is written first,
    /// so a lifted quarantine never comes back after a restart and a failed write leaves the channel quarantined.</summary>
    public async Task<bool> ReleaseAsync(string channelId, CancellationToken cancellationToken)
    {
        if (!_entries.ContainsKey(channelId))
        {
            return false;
        }

        if (store is not null)
        {
            await store.RemoveQuarantineAsync(channelId, cancellationToken).ConfigureAwait(false);
        }

        bool removed = _entries.TryRemove(channelId, out _);
        if (removed)
        {
            Changed?.Invoke(channelId, false);
        }

        return removed;
    }

    /// <summary>Drops a quarantine another node lifted (and removed from the shared store); false when there was none.</summary>
    internal bool Forget(string channelId) => _entries.TryRemove(channelId, out _);
}
