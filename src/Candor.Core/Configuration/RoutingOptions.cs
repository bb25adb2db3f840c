namespace Candor.Core.Configuration;

/// <summary>Router-wide settings (the <c>routing</c> section).</summary>
internal sealed record RoutingOptions
{
    /// <summary>Time from the request's arrival within which an upstream must have started answering, across
    /// all attempts; no attempt starts after it (<c>deadline</c>, default 180s).</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(180);

    /// <summary>No attempt starts with less than this left before the deadline. The timer armed for the rest counts
    /// whole milliseconds and may fire a tick before the deadline by the stopwatch; without this margin the sliver
    /// left over would start one more attempt that cannot answer in time.</summary>
    public static readonly TimeSpan MinimumAttemptWindow = TimeSpan.FromMilliseconds(10);

    /// <summary>Time left before the deadline of a request that arrived at <paramref name="startTimestamp"/>
    /// (a <see cref="System.Diagnostics.Stopwatch"/> timestamp); zero when less than
    /// <see cref="MinimumAttemptWindow"/> is left.</summary>
    public TimeSpan Remaining(long startTimestamp)
    {
        long deadline = startTimestamp + (long)(Deadline.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        var remaining = System.Diagnostics.Stopwatch.GetElapsedTime(System.Diagnostics.Stopwatch.GetTimestamp(), deadline);
        return remaining < MinimumAttemptWindow ? TimeSpan.Zero : remaining;
    }

    /// <summary>Default policy when no deployment of a model is healthy (<c>all_unhealthy</c>, default fail_fast).</summary>
    public AllUnhealthyPolicy AllUnhealthy { get; init; } = AllUnhealthyPolicy.FailFast;

    /// <summary>Passive health and circuit breaking (<c>health</c>).</summary>
    public HealthOptions Health { get; init; } = new();

    /// <summary>Active probes (<c>probes</c>), off by default.</summary>
    public ProbeOptions Probes { get; init; } = new();
}

/// <summary>When a deployment's circuit opens and for how long.</summary>
internal sealed record HealthOptions
{
    /// <summary>Sliding window over which outcomes are counted (<c>window</c>, default 60s).</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Fewest outcomes in the window before the failure rate is judged (<c>min_requests</c>, default 5).</summary>
    public int MinRequests { get; init; } = 5;

    /// <summary>Failure share at or above which the circuit opens (<c>failure_rate</c>, default 0.5).</summary>
    public double FailureRate { get; init; } = 0.5;

    /// <summary>First cooldown; each further opening without a success in between doubles it (<c>cooldown</c>, default 5s).</summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest cooldown, also the cap on an upstream Retry-After (<c>max_cooldown</c>, default 5m).</summary>
    public TimeSpan MaxCooldown { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Trial requests let through at once when a cooldown ends (half-open) (<c>half_open_trials</c>, default 1).</summary>
    public int HalfOpenTrials { get; init; } = 1;
}

/// <summary>Active health probes: a one-token request per deployment on a schedule.</summary>
internal sealed record ProbeOptions
{
    /// <summary>Whether probes run (<c>enabled</c>, default false).</summary>
    public bool Enabled { get; init; }

    /// <summary>Time between two probe rounds (<c>interval</c>, default 60s).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Time allowed for one probe (<c>timeout</c>, default 10s).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}
