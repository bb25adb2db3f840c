using Candor.Core;
using Candor.Core.Admission;
using Candor.Core.Channels;
using Candor.Core.Configuration;
using Candor.Core.Routing;
using Candor.Core.Security;
using Candor.Core.Upstream;

namespace Candor.Server.Hosting;

/// <summary>Builds runtime snapshots from the two sources of channels — the configuration file and the stored
/// channels (with a data directory) — and swaps each new one in whole. Every change goes through here: a file
/// reload (<see cref="ConfigReloader"/>), an admin API write, and a stored-channel version change seen by
/// <see cref="ChannelRefresher"/> (the CLI, another node). Builds are serialized; a request keeps the snapshot it
/// started with.</summary>
internal sealed class SnapshotBuilder(
    SnapshotHolder holder, CandorConfig initialConfig, ProviderRegistry providers, UpstreamClients clients, KeyHasher hasher,
    IChannelStore? store, Func<MasterKeyRing?> ring, ILogger<SnapshotBuilder> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private CandorConfig _config = initialConfig;
    private StoredChannels _stored = StoredChannels.Empty;

    /// <summary>The configuration file's contents the current snapshot was built from.</summary>
    public CandorConfig Config => Volatile.Read(ref _config);

    /// <summary>The stored channels the current snapshot was built from.</summary>
    public StoredChannels Stored => Volatile.Read(ref _stored);

    /// <summary>The provider names this build knows.</summary>
    public IReadOnlySet<string> ProviderNames => providers.Names;

    /// <summary>The master key ring as it is now (re-read from <c>master.keys</c> on each call, so a rotation by the
    /// CLI is seen), or null without a data directory or when it cannot be read.</summary>
    public MasterKeyRing? Ring() => ring();

    /// <summary>A channel ready to use from stored settings (the admin test may test a channel that is disabled or not yet routed).</summary>
    public ChannelRuntime Runtime(ChannelSettings settings) => new(settings, providers.Get(settings.Provider), clients.For(settings.ConnectTimeout));

    /// <summary>Swaps in a snapshot built from a newly loaded configuration file and the stored channels.</summary>
    public async Task ApplyConfigAsync(CandorConfig config, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Swap(config, Stored);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads the stored channels and rebuilds when their version changed (or always, with <paramref name="force"/>).
    /// Returns whether a new snapshot was swapped in.</summary>
    public async Task<bool> RefreshAsync(bool force, CancellationToken cancellationToken)
    {
        if (store is null)
        {
            return false;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!force && await store.GetChannelsVersionAsync(cancellationToken).ConfigureAwait(false) == Stored.Version)
            {
                return false;
            }

            Swap(Config, await store.LoadChannelsAsync(cancellationToken).ConfigureAwait(false));
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Swap(CandorConfig config, StoredChannels stored)
    {
        var overlay = stored.Channels.Count == 0 && stored.Deployments.Count == 0
            ? ChannelOverlay.None
            : ChannelComposer.Compose(config, stored, ring(), providers.Names);
        holder.Swap(RuntimeSnapshot.Build(config, providers, clients, hasher, overlay));
        Volatile.Write(ref _config, config);
        if (!ReferenceEquals(stored, Stored))
        {
            Volatile.Write(ref _stored, stored);
            logger.ChannelsRebuilt(stored.Version, overlay.Channels.Count, overlay.Inactive.Count);
            foreach (var (id, reason) in overlay.Inactive)
            {
                if (!reason.StartsWith("disabled", StringComparison.Ordinal))
                {
                    logger.StoredChannelInactive(id, reason);
                }
            }
        }
    }
}
