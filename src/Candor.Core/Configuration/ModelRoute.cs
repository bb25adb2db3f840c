namespace Candor.Core.Configuration;

/// <summary>A public model: the name clients ask for and the deployments that can serve it, in order of preference.</summary>
public sealed class ModelRoute
{
    public required string Name { get; init; }

    public required IReadOnlyList<Deployment> Deployments { get; init; }

    /// <summary>Unix seconds reported as the model's creation time by GET /v1/models.</summary>
    public long Created { get; init; }
}

/// <summary>One way to serve a public model: a channel and the model name the upstream knows.</summary>
public sealed class Deployment
{
    public required string ChannelId { get; init; }

    public required string UpstreamModel { get; init; }

    /// <summary>The priority tier: lower tiers are tried first (0, the default, is the first tier).</summary>
    public int Priority { get; init; }

    /// <summary>The share of requests within its tier (positive; default 1).</summary>
    public int Weight { get; init; } = 1;
}
