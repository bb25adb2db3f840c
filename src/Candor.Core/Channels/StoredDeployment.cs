namespace Candor.Core.Channels;

/// <summary>A stored deployment: public model → channel + upstream model, with its priority tier and weight.
/// The channel may be a stored channel or a configuration channel.</summary>
/// <param name="Id">The deployment id (<c>dep_…</c>).</param>
/// <param name="Model">The public model name clients ask for.</param>
/// <param name="ChannelId">The channel that serves it.</param>
/// <param name="UpstreamModel">The model name the upstream knows.</param>
/// <param name="Priority">The priority tier: lower tiers are tried first (0 is the first tier).</param>
/// <param name="Weight">The share within a tier (positive).</param>
/// <param name="CreatedAt">When it was added.</param>
internal sealed record StoredDeployment(string Id, string Model, string ChannelId, string UpstreamModel, int Priority, int Weight, DateTimeOffset CreatedAt);
