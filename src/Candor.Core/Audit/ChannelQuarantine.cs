using System.Collections.Concurrent;
using System.Collections.Frozen;

namespace Candor.Core.Audit;

/// <summary>
/// The channels that failed an audit, with the reason and time. Routing consults <see cref="IsQuarantined"/> and
/// <see cref="Exclude"/> before it tries a deployment: one read of an immutable set of the quarantined channels, swapped
/// whole on every change (the <see cref="Routing.SnapshotHolder"/> pattern; <c>ConcurrentDictionary.IsEmpty</c> took
/// every lock of the dictionary on each request when nothing was quarantined); an operator lifts a quarantine through the admin API
/// (<c>DELETE /admin/v1/audit/quarantine/{channel}</c>). With a data directory every change is written through to
/// the store and <see cref="LoadAsync"/> restores the quarantines before the server listens, so a restart does not
/// hand a dishonest channel its traffic back; without one they live in memory only.
/// </summary>
/// <param name="store">Where quarantines are kept across restarts; null keeps them in memory only.</param>
/// <remarks>A reload (<see cref="ReloadAsync"/>) never undoes a change this node made after the reload began to read the
/// store, nor one whose write is still running: its listing may predate that write (a quarantine added here would be
/// dropped, a lifted one restored, until the next reload). Each local change is stamped under <see cref="_gate"/> when it
/// enters memory and again once its write ended; the reload applies its listing under the same lock and skips the
/// channels whose write is running or whose stamp is newer than the moment it began to read.</remarks>
internal sealed class ChannelQuarantine(IQuarantineStore? store = null)
{
    private readonly ConcurrentDictionary<string, QuarantineEntry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LocalChange> _local = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Lock _publishing = new();
    private FrozenSet<string> _quarantined = FrozenSet<string>.Empty;
    private long _version;

    /// <summary>A channel quarantined (true) or released (false) on this node (the cluster tells the other nodes).</summary>
    internal event Action<string, bool>? Changed;

    /// <summary>Whether quarantines survive a restart.</summary>
    public bool Durable => store is not null;

    /// <summary>True when <paramref name="channelId"/> must receive no client requests.</summary>
    public bool IsQuarantined(string channelId) => Volatile.Read(ref _quarantined) is { Count: > 0 } quarantined && quarantined.Contains(channelId);

    /// <summary>The deployments whose channel is not quarantined (the same list when none is).</summary>
    public IReadOnlyList<Configuration.Deployment> Exclude(IReadOnlyList<Configuration.Deployment> deployments)
    {
        ArgumentNullException.ThrowIfNull(deployments);
        var quarantined = Volatile.Read(ref _quarantined);
        if (quarantined.Count == 0)
        {
            return deployments;
        }

        for (int i = 0; i < deployments.Count; i++)
        {
            if (quarantined.Contains(deployments[i].ChannelId))
            {
                return Without(deployments, quarantined);
            }
        }

        return deployments;
    }

    /// <summary>The deployments whose channel is not in <paramref name="quarantined"/> (a method of its own: a lambda
    /// capturing the set in <see cref="Exclude"/> would allocate its closure on every call).</summary>
    private static List<Configuration.Deployment> Without(IReadOnlyList<Configuration.Deployment> deployments, FrozenSet<string> quarantined)
    {
        var kept = new List<Configuration.Deployment>(deployments.Count);
        foreach (var deployment in deployments)
        {
            if (!quarantined.Contains(deployment.ChannelId))
            {
                kept.Add(deployment);
            }
        }

        return kept;
    }

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

        Publish();
    }

    /// <summary>Replaces the quarantines with the stored ones: a quarantine added or lifted by another node sharing the
    /// store applies here too (docs/scale-out.md).</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        if (store is null)
        {
            return;
        }

        long began = Interlocked.Read(ref _version);
        var stored = (await store.ListQuarantinesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(static e => e.ChannelId, StringComparer.Ordinal);
        lock (_gate)
        {
            foreach (var entry in stored.Values)
            {
                if (!ChangedSince(entry.ChannelId, began))
                {
                    _entries.TryAdd(entry.ChannelId, entry);
                }
            }

            foreach (string channel in _entries.Keys)
            {
                if (!stored.ContainsKey(channel) && !ChangedSince(channel, began))
                {
                    _entries.TryRemove(channel, out _);
                }
            }

            Publish();
        }
    }

    /// <summary>Quarantines a channel; returns false when it already was (the first reason stays). The channel leaves
    /// routing at once; the store is written next (if that fails the quarantine still holds until a restart).</summary>
    public async Task<bool> AddAsync(QuarantineEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            if (!_entries.TryAdd(entry.ChannelId, entry))
            {
                return false;
            }

            Publish();
            Begin(entry.ChannelId);
        }

        try
        {
            if (store is not null)
            {
                await store.AddQuarantineAsync(entry, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            End(entry.ChannelId);
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

        lock (_gate)
        {
            Begin(channelId);
        }

        bool removed;
        try
        {
            if (store is not null)
            {
                await store.RemoveQuarantineAsync(channelId, cancellationToken).ConfigureAwait(false);
            }

            lock (_gate)
            {
                removed = _entries.TryRemove(channelId, out _);
                Publish();
            }
        }
        finally
        {
            End(channelId);
        }

        if (removed)
        {
            Changed?.Invoke(channelId, false);
        }

        return removed;
    }

    /// <summary>Drops a quarantine another node lifted (and removed from the shared store); false when there was none.</summary>
    internal bool Forget(string channelId)
    {
        bool removed = _entries.TryRemove(channelId, out _);
        Publish();
        return removed;
    }

    /// <summary>Swaps in the set of the channels now in <see cref="_entries"/>, after each change to it. Under a lock of
    /// its own, so that of two changes published at once the later publication sees both (it reads the dictionary
    /// after taking the lock, and every change is made before its publication takes it).</summary>
    private void Publish()
    {
        lock (_publishing)
        {
            Volatile.Write(ref _quarantined, _entries.IsEmpty ? FrozenSet<string>.Empty : _entries.Keys.ToFrozenSet(StringComparer.Ordinal));
        }
    }

    /// <summary>A local change of <paramref name="channelId"/> enters memory, its write about to run (under <see cref="_gate"/>).</summary>
    private void Begin(string channelId)
    {
        _local.TryGetValue(channelId, out var change);
        _local[channelId] = new LocalChange(change.Writing + 1, Interlocked.Increment(ref _version));
    }

    /// <summary>The write of a local change of <paramref name="channelId"/> ended (committed or not).</summary>
    private void End(string channelId)
    {
        lock (_gate)
        {
            var change = _local[channelId];
            _local[channelId] = new LocalChange(change.Writing - 1, Interlocked.Increment(ref _version));
        }
    }

    /// <summary>Whether a local change of <paramref name="channelId"/> is being written or ended after
    /// <paramref name="version"/> (under <see cref="_gate"/>).</summary>
    private bool ChangedSince(string channelId, long version) =>
        _local.TryGetValue(channelId, out var change) && (change.Writing > 0 || change.Version > version);

    /// <summary>A channel's local changes: writes running, and the stamp of the last one's start or end.</summary>
    private readonly record struct LocalChange(int Writing, long Version);
}
