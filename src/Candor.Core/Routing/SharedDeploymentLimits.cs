using Candor.Core.Admission;
using Candor.Core.Configuration;

namespace Candor.Core.Routing;

/// <summary>The deployments' rpm/tpm/concurrency limits counted for the whole cluster (<c>cluster.redis</c>;
/// docs/scale-out.md, "Shared limits"): each deployment is one entry of a shared <see cref="IRateLimiter"/>, counted
/// as a key's limits are (the same atomic scripts, the same fallback at 1/N of each limit while Redis is unreachable).
/// Without it each node counts a deployment's limits alone (<see cref="DeploymentHealth"/>).</summary>
/// <param name="limiter">The cluster's limiter, in a namespace of its own (keys and deployments never share an entry).</param>
internal sealed class SharedDeploymentLimits(IRateLimiter limiter)
{
    /// <summary>Whether <paramref name="limits"/> limits anything (an unlimited deployment is not counted anywhere).</summary>
    public static bool Limits(DeploymentLimits limits) =>
        limits.MaxConcurrency > 0 || limits.RequestsPerMinute > 0 || limits.TokensPerMinute > 0;

    /// <summary>Admits one attempt on <paramref name="deployment"/> with <paramref name="tokens"/> estimated: a slot, a
    /// request and the tokens (never more than the whole per-minute budget: a request larger than it still goes when the
    /// bucket is full, as on one node). The lease is settled by the attempt's <see cref="DeploymentLease"/>.</summary>
    public ValueTask<RateDecision> TryAcquireAsync(Deployment deployment, long tokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var d = deployment.Limits;
        var limits = new RateLimits(
            d.RequestsPerMinute > 0 ? d.RequestsPerMinute : null,
            d.TokensPerMinute > 0 ? (int)Math.Min(d.TokensPerMinute, int.MaxValue) : null,
            d.MaxConcurrency > 0 ? d.MaxConcurrency : null);
        int reserve = limits.TokensPerMinute is int tpm ? (int)Math.Clamp(tokens, 0, tpm) : 0;
        return limiter.TryAcquireAsync(Id(deployment), limits, reserve, cancellationToken);
    }

    /// <summary>The deployment's entry: its channel and upstream model (a control character keeps the two apart).</summary>
    internal static string Id(Deployment deployment) => deployment.ChannelId + "\u001f" + deployment.UpstreamModel;
}
