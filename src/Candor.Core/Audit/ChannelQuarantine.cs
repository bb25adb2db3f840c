using System.Collections.Concurrent;

namespace Candor.Core.Audit;

/// <summary>
/// The channels that failed an audit, with the reason and time. Routing consults <see cref="IsQuarantined"/> before
/// it tries a deployment (one lock-free dictionary read); an operator lifts a quarantine through the admin API
/// (<c>DELETE /admin/v1/audit/quarantine/{channel}</c>). In memory: a restart forgets quarantines, and the
/// scheduler finds a dishonest channel again within the same number of rounds.
/// </summary>
public sealed class ChannelQuarantine
{
    private readonly ConcurrentDictionary<string, QuarantineEntry> _entries = new(StringComparer.Ordinal);

    /// <summary>True when <paramref name="channelId"/> must receive no client requests.</summary>
    public bool IsQuarantined(string channelId) => !_entries.IsEmpty && _entries.ContainsKey(channelId);

    /// <summary>The current quarantines, oldest first.</summary>
    public IReadOnlyList<QuarantineEntry> Entries => _entries.Values.OrderBy(static e => e.Since).ToArray();

    /// <summary>Quarantines a channel; returns false when it already was (the first reason stays).</summary>
    public bool Add(QuarantineEntry entry) => _entries.TryAdd(entry.ChannelId, entry);

    /// <summary>Lifts a quarantine; returns false when the channel was not quarantined.</summary>
    public bool Release(string channelId) => _entries.TryRemove(channelId, out _);
}
