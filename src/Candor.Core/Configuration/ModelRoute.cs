namespace Candor.Core.Configuration;

/// <summary>A public model: the name clients ask for, the deployments that can serve it and how one is chosen.</summary>
internal sealed class ModelRoute
{
    public required string Name { get; init; }

    /// <summary>The deployments, in the order the file lists them.</summary>
    public required IReadOnlyList<Deployment> Deployments { get; init; }

    /// <summary>Unix seconds reported as the model's creation time by GET /v1/models.</summary>
    public long Created { get; init; }

    /// <summary>How a deployment is chosen inside the best priority tier (<c>strategy</c>; default priority).</summary>
    public RoutingStrategy Strategy { get; init; } = RoutingStrategy.Priority;

    /// <summary>Where the affinity key of the <see cref="RoutingStrategy.Sticky"/> strategy comes from, first match wins
    /// (<c>affinity</c>; default header, user, conversation).</summary>
    public IReadOnlyList<AffinitySource> Affinity { get; init; } = [AffinitySource.Header, AffinitySource.User, AffinitySource.Conversation];

    /// <summary>What happens when no deployment is healthy; null takes <see cref="RoutingOptions.AllUnhealthy"/>.</summary>
    public AllUnhealthyPolicy? AllUnhealthy { get; init; }
}

/// <summary>One way to serve a public model: a channel, the model name the upstream knows, its place in the
/// preference order and its own limits.</summary>
internal sealed class Deployment
{
    public required string ChannelId { get; init; }

    public required string UpstreamModel { get; init; }

    /// <summary>The model this deployment serves when <see cref="UpstreamModel"/> is not a model name (an Azure
    /// deployment name); the served-model audit compares the upstream's reported model with it. Null: not declared.</summary>
    public string? ServedModel { get; init; }

    /// <summary>Tier: lower is preferred; a higher tier is used only when no deployment of a lower one can take the request.</summary>
    public int Priority { get; init; }

    /// <summary>Relative share inside a tier (weighted random for <see cref="RoutingStrategy.Priority"/>, rendezvous weight for sticky).</summary>
    public int Weight { get; init; } = 1;

    /// <summary>Per-deployment upstream limits; a deployment at its limit is skipped (the request goes to the next).</summary>
    public DeploymentLimits Limits { get; init; } = DeploymentLimits.None;
}

/// <summary>Upstream limits of one deployment, enforced by Candor so that a busy deployment sheds load
/// instead of collecting the upstream's 429s. Zero means no limit.</summary>
/// <param name="MaxConcurrency">Requests in flight at once (streams count until they end).</param>
/// <param name="RequestsPerMinute">Requests started in any sliding minute.</param>
/// <param name="TokensPerMinute">Tokens (estimated prompt at start, corrected by reported usage at the end) in any sliding minute.</param>
internal sealed record DeploymentLimits(int MaxConcurrency, int RequestsPerMinute, long TokensPerMinute)
{
    /// <summary>No limit.</summary>
    public static DeploymentLimits None { get; } = new(0, 0, 0);
}

/// <summary>How a deployment is chosen among the usable ones of the best tier.</summary>
internal enum RoutingStrategy
{
    /// <summary>Weighted random (<c>priority</c>).</summary>
    Priority,

    /// <summary>Peak-EWMA latency × (in-flight + 1), lower wins, between two random candidates (<c>least_latency</c>).</summary>
    LeastLatency,

    /// <summary>Fewest requests in flight per unit of weight (<c>least_busy</c>).</summary>
    LeastBusy,

    /// <summary>Rendezvous hashing of an affinity key, so one user or conversation keeps reaching the same
    /// deployment and its prompt cache (<c>sticky</c>); without a key, weighted random.</summary>
    Sticky,
}

/// <summary>Where the sticky strategy takes its affinity key from.</summary>
internal enum AffinitySource
{
    /// <summary>The <c>x-candor-affinity</c> request header.</summary>
    Header,

    /// <summary>The OpenAI <c>user</c> field (or Anthropic <c>metadata.user_id</c> as decoded into it).</summary>
    User,

    /// <summary>A hash of the conversation's opening (system prompt and first user message).</summary>
    Conversation,
}

/// <summary>What the router does when every eligible deployment is unhealthy (cooling down, circuit open, or
/// waiting out an upstream Retry-After).</summary>
internal enum AllUnhealthyPolicy
{
    /// <summary>Answer 503 (429 when the upstreams asked to wait) at once, with Retry-After and a message naming the model.</summary>
    FailFast,

    /// <summary>Try the unhealthy deployments anyway, soonest to recover first. Disabled channels are never tried.</summary>
    TryAnyway,
}
