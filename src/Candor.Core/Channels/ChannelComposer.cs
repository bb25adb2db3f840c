using System.Security.Cryptography;
using Candor.Core.Configuration;
using Candor.Core.Security;

namespace Candor.Core.Channels;

/// <summary>Merges stored channels and deployments with the configuration file's: opens each enabled stored
/// channel's credential, leaves out the ones that cannot be routed (with the reason), and appends stored
/// deployments to the public models they name, ordered by priority tier (stable, so the file's order is kept
/// within a tier).</summary>
internal static class ChannelComposer
{
    /// <summary>Builds the overlay. Never throws for a bad stored row: such a channel is left out with its reason.</summary>
    /// <param name="config">The configuration file's contents.</param>
    /// <param name="stored">The stored channels and deployments.</param>
    /// <param name="ring">The master key ring, or null when none could be loaded (then channels with a
    /// credential are left out).</param>
    /// <param name="providers">The provider names this build knows.</param>
    public static ChannelOverlay Compose(CandorConfig config, StoredChannels stored, MasterKeyRing? ring, IReadOnlySet<string> providers)
    {
        if (stored.Channels.Count == 0 && stored.Deployments.Count == 0)
        {
            return ChannelOverlay.None;
        }

        var configIds = config.Channels.Select(static c => c.Id).ToHashSet(StringComparer.Ordinal);
        var active = new List<ChannelSettings>();
        var inactive = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var channel in stored.Channels)
        {
            if (Activate(channel, configIds, ring, providers, out string? reason) is { } settings)
            {
                active.Add(settings);
            }
            else
            {
                inactive[channel.Id] = reason!;
            }
        }

        var routable = configIds.Concat(active.Select(static c => c.Id)).ToHashSet(StringComparer.Ordinal);
        var models = new List<ModelRoute>();
        foreach (var group in stored.Deployments.GroupBy(static d => d.Model, StringComparer.Ordinal))
        {
            var added = group.Where(d => routable.Contains(d.ChannelId))
                .Select(static d => new Deployment { ChannelId = d.ChannelId, UpstreamModel = d.UpstreamModel, Priority = d.Priority, Weight = d.Weight })
                .ToList();
            var existing = config.Models.FirstOrDefault(m => string.Equals(m.Name, group.Key, StringComparison.Ordinal));
            if (added.Count == 0)
            {
                // A model only stored deployments define, all on channels that are not routed, is not served.
                continue;
            }

            var deployments = (existing?.Deployments ?? []).Concat(added).OrderBy(static d => d.Priority).ToArray();
            models.Add(new ModelRoute { Name = group.Key, Deployments = deployments, Created = existing?.Created ?? config.CreatedUnixSeconds });
        }

        return new ChannelOverlay(active, models, inactive);
    }

    /// <summary>The runtime settings of one stored channel (credential opened), or null with the reason it is not
    /// routed. Also used by the admin test, which may test a disabled channel.</summary>
    public static ChannelSettings? Activate(StoredChannel channel, IReadOnlySet<string> configIds, MasterKeyRing? ring, IReadOnlySet<string> providers, out string? reason, bool ignoreDisabled = false)
    {
        reason = null;
        if (configIds.Contains(channel.Id))
        {
            reason = "shadowed: the configuration file defines a channel with the same id";
            return null;
        }

        if (channel.Disabled && !ignoreDisabled)
        {
            reason = channel.DisabledReason is { Length: > 0 } why ? $"disabled: {why}" : "disabled";
            return null;
        }

        if (!providers.Contains(channel.Provider))
        {
            reason = $"unknown provider '{channel.Provider}'";
            return null;
        }

        string? credential = null;
        if (channel.SealedCredential is { } envelope)
        {
            if (ring is null)
            {
                reason = "the credential cannot be opened: no master key is loaded";
                return null;
            }

            try
            {
                credential = ChannelCredentials.Open(ring, channel.Id, envelope);
            }
            catch (CryptographicException)
            {
                reason = $"the credential cannot be opened with the master keys loaded (sealed under key {channel.CredentialKeyId})";
                return null;
            }
        }

        IReadOnlyDictionary<string, string> headers = channel.Headers;
        if (ChannelHeaders.AnySealed(headers))
        {
            if (ring is null)
            {
                reason = "the headers cannot be opened: no master key is loaded";
                return null;
            }

            try
            {
                headers = ChannelHeaders.Open(ring, channel.Id, headers);
            }
            catch (Exception e) when (e is CryptographicException or FormatException)
            {
                reason = "the headers cannot be opened with the master keys loaded";
                return null;
            }
        }

        return new ChannelSettings
        {
            Id = channel.Id,
            Provider = channel.Provider,
            BaseUrl = channel.BaseUrl,
            ApiKey = credential,
            ApiVersion = channel.ApiVersion,
            Headers = headers,
            ConnectTimeout = channel.ConnectTimeout,
            FirstByteTimeout = channel.FirstByteTimeout,
            IdleTimeout = channel.IdleTimeout,
            Region = channel.Region,
            DataPolicy = channel.DataPolicy,
            Origin = ChannelOrigin.Stored,
        };
    }
}
