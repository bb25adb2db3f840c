using Candor.Core.Configuration;
using Candor.Protocols.Canonical;

namespace Candor.Core.Routing;

/// <summary>One chosen deployment: its configuration, its channel and the lease that holds it.</summary>
/// <param name="Deployment">The deployment.</param>
/// <param name="Channel">Its channel in the request's snapshot.</param>
/// <param name="Lease">The attempt's hold on it; the caller reports the outcome and releases it.</param>
internal readonly record struct RouteChoice(Deployment Deployment, ChannelRuntime Channel, DeploymentLease Lease);

/// <summary>The routing of one request: each <see cref="TryNext"/> picks a deployment not tried yet, by the
/// model's strategy, from the lowest priority tier that has a usable one. Not thread-safe (one per request).</summary>
internal sealed class RoutePlan
{
    private readonly Router _router;
    private readonly RuntimeSnapshot _snapshot;
    private readonly ModelRoute _route;
    private readonly IReadOnlyList<Deployment> _eligible;
    private readonly string? _affinityKey;
    private readonly long _tokens;
    private readonly bool[] _tried;
    private int _chosen;
    private int _limitedElsewhere;
    private DateTimeOffset _limitedUntil = DateTimeOffset.MaxValue;

    internal RoutePlan(Router router, RuntimeSnapshot snapshot, ModelRoute route, IReadOnlyList<Deployment> eligible, string? affinityKey, long tokens)
    {
        _router = router;
        _snapshot = snapshot;
        _route = route;
        _eligible = eligible;
        _affinityKey = affinityKey;
        _tokens = tokens;
        _tried = new bool[eligible.Count];
    }

    /// <summary>Picks the next deployment and, when the cluster counts the deployments' limits
    /// (<see cref="Router.SharedLimits"/>), takes the attempt's place in that count: a deployment at its cluster-wide
    /// limit is skipped as one at its limit on this node is. Null when none is left; then the refusal as
    /// <see cref="TryNext"/> gives it.</summary>
    public async ValueTask<(RouteChoice? Choice, RelayError? Refusal)> NextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (!TryNext(out var choice, out var refusal))
            {
                return (null, refusal);
            }

            if (_router.SharedLimits is not { } shared || !SharedDeploymentLimits.Limits(choice.Deployment.Limits))
            {
                return (choice, null);
            }

            var decision = await shared.TryAcquireAsync(choice.Deployment, _tokens, cancellationToken).ConfigureAwait(false);
            if (decision.Allowed)
            {
                choice.Lease.Hold(decision.Lease!);
                return (choice, null);
            }

            // At its limit across the cluster: given back unjudged, and counted as busy should no deployment be left.
            choice.Lease.Release();
            _chosen--;
            _limitedElsewhere++;
            var until = _router.Health.Time.GetUtcNow() + decision.RetryAfter;
            _limitedUntil = until < _limitedUntil ? until : _limitedUntil;
        }
    }

    /// <summary>Picks the next deployment. False when none is left; then <paramref name="refusal"/> explains why
    /// when the router itself refuses the request before any attempt (every deployment unhealthy under fail_fast,
    /// or at its limits), and is null otherwise (the last attempt's error stands).</summary>
    public bool TryNext(out RouteChoice choice, out RelayError? refusal)
    {
        choice = default;
        refusal = null;
        var routing = _snapshot.Config.Routing;
        var options = routing.Health;
        var policy = _route.AllUnhealthy ?? routing.AllUnhealthy;
        int n = _eligible.Count;
        Span<int> usable = n <= 64 ? stackalloc int[n] : new int[n];
        while (true)
        {
            int count = 0, unhealthy = 0, busy = 0, disabled = 0, retryAfter = 0;
            DateTimeOffset soonest = DateTimeOffset.MaxValue, soonestBusy = DateTimeOffset.MaxValue;
            int soonestIndex = -1;
            for (int i = 0; i < n; i++)
            {
                if (_tried[i])
                {
                    continue;
                }

                var d = _eligible[i];
                if (!_snapshot.Channels.TryGetValue(d.ChannelId, out var channel))
                {
                    _tried[i] = true;
                    continue;
                }

                if (!_router.Health.Channel(channel).Enabled)
                {
                    disabled++;
                    continue;
                }

                switch (_router.Health.Deployment(channel, d).Check(options, LocalLimits(d), _tokens, out var until))
                {
                    case Availability.Available:
                        usable[count++] = i;
                        break;
                    case Availability.AtCapacity:
                        busy++;
                        soonestBusy = until < soonestBusy ? until : soonestBusy;
                        break;
                    case var state:
                        unhealthy++;
                        retryAfter += state == Availability.RetryAfter ? 1 : 0;
                        if (until < soonest)
                        {
                            (soonest, soonestIndex) = (until, i);
                        }

                        break;
                }
            }

            if (count == 0)
            {
                if (unhealthy > 0 && policy == AllUnhealthyPolicy.TryAnyway && soonestIndex >= 0)
                {
                    if (Acquire(soonestIndex, ignoreHealth: true, out choice))
                    {
                        return true;
                    }

                    continue;
                }

                if (_chosen == 0)
                {
                    refusal = Refuse(unhealthy, retryAfter, busy + _limitedElsewhere, disabled, soonest,
                        _limitedUntil < soonestBusy ? _limitedUntil : soonestBusy);
                }

                return false;
            }

            int pick = Pick(usable[..count]);
            if (Acquire(pick, ignoreHealth: false, out choice))
            {
                return true;
            }

            // Lost a race for the last slot: that deployment is skipped for this request.
        }
    }

    private bool Acquire(int index, bool ignoreHealth, out RouteChoice choice)
    {
        _tried[index] = true;
        var d = _eligible[index];
        var channel = _snapshot.Channels[d.ChannelId];
        var health = _router.Health.Deployment(channel, d);
        if (!health.TryAcquire(_snapshot.Config.Routing.Health, LocalLimits(d), _tokens, ignoreHealth, out bool trial))
        {
            choice = default;
            return false;
        }

        _chosen++;
        choice = new RouteChoice(d, channel, new DeploymentLease(health, _router.Health.Channel(channel), _snapshot.Config.Routing.Health, _router.Health.Time, trial, _tokens));
        return true;
    }

    /// <summary>The strategy's pick among usable candidates of the lowest tier.</summary>
    private int Pick(Span<int> usable)
    {
        int tier = int.MaxValue;
        foreach (int i in usable)
        {
            tier = Math.Min(tier, _eligible[i].Priority);
        }

        int m = 0;
        foreach (int i in usable)
        {
            if (_eligible[i].Priority == tier)
            {
                usable[m++] = i;
            }
        }

        var inTier = usable[..m];
        if (m == 1)
        {
            return inTier[0];
        }

        return _route.Strategy switch
        {
            RoutingStrategy.LeastLatency => Selection.PowerOfTwoLeastLatency(inTier, _eligible, this, _router.Random),
            RoutingStrategy.LeastBusy => Selection.LeastBusy(inTier, _eligible, this, _router.Random),
            RoutingStrategy.Sticky when _affinityKey is not null => Selection.Rendezvous(inTier, _eligible, _affinityKey),
            _ => Selection.WeightedRandom(inTier, _eligible, _router.Random),
        };
    }

    /// <summary>The limits this node counts for <paramref name="d"/>: none when the cluster counts them.</summary>
    private DeploymentLimits LocalLimits(Deployment d) => _router.SharedLimits is null ? d.Limits : DeploymentLimits.None;

    internal DeploymentHealth HealthOf(Deployment d) => _router.Health.Deployment(_snapshot.Channels[d.ChannelId], d);

    private RelayError Refuse(int unhealthy, int retryAfter, int busy, int disabled, DateTimeOffset soonest, DateTimeOffset soonestBusy)
    {
        var now = _router.Health.Time.GetUtcNow();
        string model = _route.Name;
        if (busy > 0 && unhealthy == 0)
        {
            return new RelayError(RelayStage.Routing, RelayErrorKind.RateLimited, 429,
                $"Every deployment of model '{model}' is at its configured capacity; retry later.")
            { RetryAfterSeconds = Seconds(soonestBusy - now) };
        }

        if (unhealthy > 0)
        {
            if (retryAfter == unhealthy && busy == 0)
            {
                return new RelayError(RelayStage.Routing, RelayErrorKind.RateLimited, 429,
                    $"The upstreams of model '{model}' asked Candor to wait before sending more requests; retry later.")
                { RetryAfterSeconds = Seconds(soonest - now) };
            }

            return new RelayError(RelayStage.Routing, RelayErrorKind.UpstreamUnavailable, 503,
                $"No healthy deployment for model '{model}': every one is cooling down after failures; retry later.")
            { RetryAfterSeconds = Seconds(soonest - now) };
        }

        if (disabled > 0)
        {
            return new RelayError(RelayStage.Routing, RelayErrorKind.UpstreamUnavailable, 503,
                $"Every channel serving model '{model}' is disabled.");
        }

        return new RelayError(RelayStage.Routing, RelayErrorKind.UpstreamUnavailable, 503,
            $"No deployment of model '{model}' may take this request.");
    }

    private static int Seconds(TimeSpan wait) => (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, 3600);
}
