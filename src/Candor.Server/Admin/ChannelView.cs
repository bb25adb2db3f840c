using Candor.Core.Channels;
using Candor.Core.Configuration;
using Candor.Core.Privacy;

namespace Candor.Server.Admin;

/// <summary>What the admin API and the CLI show of a channel, from either source. Holds whether a credential is set
/// and which master key sealed it, never the credential.</summary>
internal sealed record ChannelView(
    string Id, ChannelOrigin Source, string Provider, Uri BaseUrl, ChannelDataPolicy Policy, string? ApiVersion,
    IReadOnlyDictionary<string, string> Headers, TimeSpan Connect, TimeSpan FirstByte, TimeSpan Idle,
    bool Disabled, string? DisabledReason, bool CredentialSet, uint? CredentialKeyId, DateTimeOffset? CreatedAt, DateTimeOffset? UpdatedAt)
{
    public static ChannelView From(StoredChannel c) => new(
        c.Id, ChannelOrigin.Stored, c.Provider, c.BaseUrl, c.DataPolicy, c.ApiVersion, c.Headers, c.ConnectTimeout, c.FirstByteTimeout, c.IdleTimeout,
        c.Disabled, c.DisabledReason, c.SealedCredential is not null, c.CredentialKeyId, c.CreatedAt, c.UpdatedAt);

    public static ChannelView From(ChannelSettings s) => new(
        s.Id, ChannelOrigin.Config, s.Provider, s.BaseUrl, s.DataPolicy with { Region = s.Region }, s.ApiVersion, s.Headers, s.ConnectTimeout, s.FirstByteTimeout,
        s.IdleTimeout, false, null, s.ApiKey is not null, null, null, null);
}

/// <summary>A deployment as shown: stored ones have an id; the configuration file's have none.</summary>
internal sealed record DeploymentView(string? Id, string Model, string ChannelId, string UpstreamModel, int Priority, int Weight, ChannelOrigin Source, DateTimeOffset? CreatedAt)
{
    public static DeploymentView From(StoredDeployment d) => new(d.Id, d.Model, d.ChannelId, d.UpstreamModel, d.Priority, d.Weight, ChannelOrigin.Stored, d.CreatedAt);

    /// <summary>Every deployment: the configuration file's (by model, in file order), then the stored ones.</summary>
    public static List<DeploymentView> All(CandorConfig config, StoredChannels stored) =>
    [
        .. config.Models.SelectMany(static m => m.Deployments.Select(d => new DeploymentView(null, m.Name, d.ChannelId, d.UpstreamModel, d.Priority, d.Weight, ChannelOrigin.Config, null))),
        .. stored.Deployments.Select(From),
    ];
}
