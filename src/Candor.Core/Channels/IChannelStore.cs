using Candor.Core.Security;

namespace Candor.Core.Channels;

/// <summary>Stored channels and deployments. Every write bumps the channel-tables version in the same transaction,
/// so nodes (and a server running beside the CLI) notice it and rebuild their snapshot.</summary>
internal interface IChannelStore
{
    /// <summary>Everything stored, at one version.</summary>
    Task<StoredChannels> LoadChannelsAsync(CancellationToken cancellationToken);

    /// <summary>The current channel-tables version (one cheap query; polled every second).</summary>
    Task<long> GetChannelsVersionAsync(CancellationToken cancellationToken);

    /// <summary>One stored channel, or null.</summary>
    Task<StoredChannel?> GetChannelAsync(string id, CancellationToken cancellationToken);

    /// <summary>Adds a channel and its deployments in one transaction. False when the id is taken.</summary>
    Task<bool> AddChannelAsync(StoredChannel channel, IReadOnlyList<StoredDeployment> deployments, CancellationToken cancellationToken);

    /// <summary>Replaces a stored channel's attributes (matched by id). False when there is no such channel.</summary>
    Task<bool> UpdateChannelAsync(StoredChannel channel, CancellationToken cancellationToken);

    /// <summary>Deletes a stored channel and the deployments that name it. False when there is no such channel.</summary>
    Task<bool> DeleteChannelAsync(string id, CancellationToken cancellationToken);

    /// <summary>Adds a deployment.</summary>
    Task AddDeploymentAsync(StoredDeployment deployment, CancellationToken cancellationToken);

    /// <summary>Replaces a deployment's upstream model, priority and weight. False when there is no such deployment.</summary>
    Task<bool> UpdateDeploymentAsync(StoredDeployment deployment, CancellationToken cancellationToken);

    /// <summary>Deletes a deployment. False when there is no such deployment.</summary>
    Task<bool> DeleteDeploymentAsync(string id, CancellationToken cancellationToken);

    /// <summary>Re-seals every envelope stored under the master key (channel credentials and the accounts' history
    /// data keys) under <paramref name="ring"/>'s current key, in one transaction (the master-key rotation). Returns
    /// how many were re-sealed.</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">A credential does not open with the
    /// ring; nothing is changed.</exception>
    Task<int> ResealCredentialsAsync(MasterKeyRing ring, CancellationToken cancellationToken);
}
