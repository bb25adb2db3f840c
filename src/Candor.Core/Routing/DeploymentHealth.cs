using Candor.Core.Configuration;

namespace Candor.Core.Routing;

/// <summary>The state of a circuit breaker.</summary>
internal enum CircuitState
{
    /// <summary>Requests flow.</summary>
    Closed,

    /// <summary>Cooling down after failures: no requests until the cooldown ends.</summary>
    Open,

    /// <summary>The cooldown ended: a few trial requests decide between closed and open again.</summary>
    HalfOpen,
}

/// <summary>Why a deployment can or cannot take a request right now.</summary>
internal enum Availability
{
    Available,
    CircuitOpen,
    HalfOpenBusy,
    RetryAfter,
    AtCapacity,
    Disabled,
}

/// <summary>The live state of one deployment (channel + upstream model): failure-rate window, circuit breaker,
/// upstream Retry-After, in-flight count, request and token counters for its limits, and latency (peak-EWMA
/// and recent samples for percentiles). Lives in the <see cref="HealthRegistry"/>, not in the snapshot, so it
/// survives a reload; guarded by one lock (every operation is a few arithmetic steps).</summary>
internal sealed class DeploymentHealth
{
    private const int OutcomeBuckets = 10;
    private const int MinuteBuckets = 12;
    private const int LatencySamples = 256;
    private static readonly long MinuteBucketTicks = TimeSpan.FromMinutes(1).Ticks / MinuteBuckets;

    /// <summary>Decay time constant of the peak-EWMA latency.</summary>
    internal static readonly TimeSpan EwmaDecay = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly HealthEvents _events;
    private readonly TimeBuckets _outcomes = new(OutcomeBuckets);
    private readonly TimeBuckets _minute = new(MinuteBuckets);
    private readonly double[] _latencies = new double[LatencySamples];
    private int _latencyCount, _latencyNext;
    private CircuitState _state;
    private DateTimeOffset _openUntil;
    private int _openings;
    private int _trials;
    private DateTimeOffset _retryAfterUntil;
    private int _inFlight;
    private double _costMs;
    private DateTimeOffset _costAt;
    private bool _measured;
    private TimeSpan _optionsWindow = TimeSpan.FromSeconds(60);
    private long _totalRequests, _totalFailures;
    private UpstreamFailure _lastFailure;
    private DateTimeOffset? _lastFailureAt, _lastSuccessAt;

    internal DeploymentHealth(string channelId, string upstreamModel, string fingerprint, TimeProvider time, HealthEvents events)
    {
        ChannelId = channelId;
        UpstreamModel = upstreamModel;
        Fingerprint = fingerprint;
        _time = time;
        _events = events;
    }

    /// <summary>The channel's public id.</summary>
    public string ChannelId { get; }

    /// <summary>The model name the upstream knows.</summary>
    public string UpstreamModel { get; }

    /// <summary>The channel settings this state belongs to; a changed channel starts fresh.</summary>
    internal string Fingerprint { get; }

    /// <summary>Requests in flight now (streams count until they end).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>What a selection needs to know: whether it may be picked now and, if not, until when.</summary>
    internal Availability Check(HealthOptions options, DeploymentLimits limits, long tokens, out DateTimeOffset until)
    {
        lock (_gate)
        {
            return CheckLocked(_time.GetUtcNow(), options, limits, tokens, ignoreHealth: false, out until);
        }
    }

    /// <summary>Takes a slot if the deployment is available (re-checked under the lock) and counts the request
    /// against its limits. With <paramref name="ignoreHealth"/> (the try-anyway policy) only the limits are checked.</summary>
    internal bool TryAcquire(HealthOptions options, DeploymentLimits limits, long tokens, bool ignoreHealth, out bool trial)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var availability = CheckLocked(now, options, limits, tokens, ignoreHealth, out _);
            trial = false;
            if (availability != Availability.Available)
            {
                return false;
            }

            if (_state == CircuitState.HalfOpen && !ignoreHealth)
            {
                _trials++;
                trial = true;
            }

            _inFlight++;
            _minute.Add(now.UtcTicks, MinuteBucketTicks, 1, tokens);
            return true;
        }
    }

    private Availability CheckLocked(DateTimeOffset now, HealthOptions options, DeploymentLimits limits, long tokens, bool ignoreHealth, out DateTimeOffset until)
    {
        until = now;
        if (_state == CircuitState.Open && now >= _openUntil)
        {
            _state = CircuitState.HalfOpen;
            _trials = 0;
        }

        if (!ignoreHealth)
        {
            if (_state == CircuitState.Open)
            {
                until = _openUntil;
                return Availability.CircuitOpen;
            }

            if (_retryAfterUntil > now)
            {
                until = _retryAfterUntil;
                return Availability.RetryAfter;
            }

            if (_state == CircuitState.HalfOpen && _trials >= options.HalfOpenTrials)
            {
                until = now + TimeSpan.FromSeconds(1);
                return Availability.HalfOpenBusy;
            }
        }

        if (limits.MaxConcurrency > 0 && _inFlight >= limits.MaxConcurrency)
        {
            until = now + TimeSpan.FromSeconds(1);
            return Availability.AtCapacity;
        }

        if (limits.RequestsPerMinute > 0 || limits.TokensPerMinute > 0)
        {
            var (requests, used) = _minute.Sum(now.UtcTicks, MinuteBucketTicks);
            bool overRpm = limits.RequestsPerMinute > 0 && requests >= limits.RequestsPerMinute;

            // A request larger than the whole budget still goes when the minute is empty, or it never could.
            bool overTpm = limits.TokensPerMinute > 0 && used > 0 && used + tokens > limits.TokensPerMinute;
            if (overRpm || overTpm)
            {
                until = new DateTimeOffset(_minute.OldestExpiry(now.UtcTicks, MinuteBucketTicks), TimeSpan.Zero);
                return Availability.AtCapacity;
            }
        }

        return Availability.Available;
    }

    /// <summary>A success: closes the circuit (a trial's success ends the cooldown), adds the latency sample.</summary>
    internal void RecordSuccess(TimeSpan latency, bool trial, HealthOptions options)
    {
        bool closed = false;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            _optionsWindow = options.Window;
            if (trial)
            {
                _trials = Math.Max(0, _trials - 1);
            }

            if (_state != CircuitState.Closed)
            {
                _state = CircuitState.Closed;
                _openings = 0;
                _outcomes.Clear();
                closed = true;
            }

            _outcomes.Add(now.UtcTicks, BucketTicks(_optionsWindow), 1, 0);
            _totalRequests++;
            _lastSuccessAt = now;
            ObserveLatencyLocked(now, latency.TotalMilliseconds);
            _latencies[_latencyNext] = latency.TotalMilliseconds;
            _latencyNext = (_latencyNext + 1) % LatencySamples;
            _latencyCount = Math.Min(_latencyCount + 1, LatencySamples);
        }

        if (closed)
        {
            _events.CircuitClosed(ChannelId, UpstreamModel);
        }
    }

    /// <summary>A failure: counts it in the window when it says something about the deployment, opens the
    /// circuit when the window's failure rate crosses the threshold (or a trial failed), and honours the
    /// upstream's Retry-After.</summary>
    internal void RecordFailure(UpstreamFailure failure, TimeSpan elapsed, int? retryAfterSeconds, bool trial, HealthOptions options)
    {
        if (RecordFailureLocked(failure, elapsed, retryAfterSeconds, trial, options) is { } opened)
        {
            _events.CircuitOpened(ChannelId, UpstreamModel, failure, opened.Cooldown, opened.Openings);
        }
    }

    /// <summary>The cooldown and the openings in a row when this failure opened the circuit, else null.</summary>
    private (TimeSpan Cooldown, int Openings)? RecordFailureLocked(UpstreamFailure failure, TimeSpan elapsed, int? retryAfterSeconds, bool trial, HealthOptions options)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            _optionsWindow = options.Window;
            if (trial)
            {
                _trials = Math.Max(0, _trials - 1);
            }

            if (retryAfterSeconds is > 0 and var seconds)
            {
                var wait = TimeSpan.FromSeconds(Math.Min(seconds, options.MaxCooldown.TotalSeconds));
                if (now + wait > _retryAfterUntil)
                {
                    _retryAfterUntil = now + wait;
                }
            }

            if (!FailureClassifier.CountsAgainstHealth(failure))
            {
                return null;
            }

            _totalRequests++;
            _totalFailures++;
            _lastFailure = failure;
            _lastFailureAt = now;

            // A failure is a latency peak: a fast failure must not look like a fast deployment.
            ObserveLatencyLocked(now, Math.Max(Math.Max(elapsed.TotalMilliseconds, 2 * _costMs), 250));
            if (trial || _state == CircuitState.HalfOpen)
            {
                return OpenLocked(now, options);
            }

            _outcomes.Add(now.UtcTicks, BucketTicks(options.Window), 0, 1);
            if (_state == CircuitState.Closed)
            {
                var (ok, failed) = _outcomes.Sum(now.UtcTicks, BucketTicks(options.Window));
                long total = ok + failed;
                if (total >= options.MinRequests && failed >= options.FailureRate * total)
                {
                    return OpenLocked(now, options);
                }
            }

            return null;
        }
    }

    /// <summary>A trial or request that ended without a verdict (the client left): frees its trial slot.</summary>
    internal void RecordAbandoned(bool trial)
    {
        if (trial)
        {
            lock (_gate)
            {
                _trials = Math.Max(0, _trials - 1);
            }
        }
    }

    /// <summary>Ends a request: frees its concurrency slot and corrects its token count by what the upstream reported.</summary>
    internal void Release(long tokenCorrection)
    {
        lock (_gate)
        {
            _inFlight = Math.Max(0, _inFlight - 1);
            if (tokenCorrection != 0)
            {
                _minute.Add(_time.GetUtcNow().UtcTicks, MinuteBucketTicks, 0, tokenCorrection);
            }
        }
    }

    /// <summary>Opens the circuit for <paramref name="cooldown"/> (another node's circuit for this deployment opened), unless
    /// it is already open at least that long; the next opening here backs off from it as from one of its own.</summary>
    internal void OpenReported(TimeSpan cooldown, UpstreamFailure failure)
    {
        lock (_gate)
        {
            var until = _time.GetUtcNow() + cooldown;
            if (_state == CircuitState.Open && _openUntil >= until)
            {
                return;
            }

            _openings++;
            _state = CircuitState.Open;
            _openUntil = until;
            _trials = 0;
        }

        _events.CircuitOpened(ChannelId, UpstreamModel, failure, cooldown, Volatile.Read(ref _openings));
    }

    /// <summary>Closes the circuit (another node's request on this deployment succeeded after its circuit had opened).</summary>
    internal void CloseReported()
    {
        lock (_gate)
        {
            if (_state == CircuitState.Closed)
            {
                return;
            }

            _state = CircuitState.Closed;
            _openings = 0;
            _trials = 0;
            _outcomes.Clear();
        }

        _events.CircuitClosed(ChannelId, UpstreamModel);
    }

    /// <summary>Closes the circuit and clears the upstream's Retry-After (a successful probe or an admin).</summary>
    internal void Reset()
    {
        lock (_gate)
        {
            _state = CircuitState.Closed;
            _openings = 0;
            _trials = 0;
            _retryAfterUntil = default;
            _outcomes.Clear();
        }
    }

    /// <summary>Peak-EWMA load: the decayed latency cost times (in-flight + 1); an unmeasured deployment
    /// scores 0 (it is tried) unless it already has requests in flight.</summary>
    internal double LatencyScore()
    {
        lock (_gate)
        {
            if (!_measured)
            {
                return _inFlight == 0 ? 0 : 1e9 + _inFlight;
            }

            return DecayedCost(_time.GetUtcNow()) * (_inFlight + 1);
        }
    }

    private double DecayedCost(DateTimeOffset now)
    {
        double dt = Math.Max(0, (now - _costAt).TotalMilliseconds);
        return _costMs * Math.Exp(-dt / EwmaDecay.TotalMilliseconds);
    }

    private void ObserveLatencyLocked(DateTimeOffset now, double ms)
    {
        if (!_measured)
        {
            _costMs = ms;
            _measured = true;
        }
        else
        {
            double w = Math.Exp(-Math.Max(0, (now - _costAt).TotalMilliseconds) / EwmaDecay.TotalMilliseconds);
            _costMs = ms > _costMs ? ms : (_costMs * w) + (ms * (1 - w));
        }

        _costAt = now;
    }

    private (TimeSpan Cooldown, int Openings) OpenLocked(DateTimeOffset now, HealthOptions options)
    {
        _openings++;
        double factor = Math.Pow(2, Math.Min(_openings - 1, 30));
        var cooldown = TimeSpan.FromTicks((long)Math.Min(options.Cooldown.Ticks * factor, options.MaxCooldown.Ticks));
        _state = CircuitState.Open;
        _openUntil = now + cooldown;
        _trials = 0;
        return (cooldown, _openings);
    }

    private static long BucketTicks(TimeSpan window) => Math.Max(1, window.Ticks / OutcomeBuckets);

    /// <summary>A consistent copy of the state for the read API.</summary>
    internal DeploymentHealthView Describe(IReadOnlyList<string> models, bool channelEnabled)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_state == CircuitState.Open && now >= _openUntil)
            {
                _state = CircuitState.HalfOpen;
                _trials = 0;
            }

            var (ok, failed) = _outcomes.Sum(now.UtcTicks, BucketTicks(_optionsWindow));
            var (requests, tokens) = _minute.Sum(now.UtcTicks, MinuteBucketTicks);
            double[] sorted = _latencies.AsSpan(0, _latencyCount).ToArray();
            Array.Sort(sorted);
            string state = !channelEnabled ? "disabled"
                : _state == CircuitState.Open ? "cooling_down"
                : _state == CircuitState.HalfOpen ? "half_open"
                : _retryAfterUntil > now ? "retry_after"
                : "healthy";
            DateTimeOffset? until = _state == CircuitState.Open ? _openUntil : _retryAfterUntil > now ? _retryAfterUntil : null;
            return new DeploymentHealthView(
                ChannelId, UpstreamModel, models, state, until, _inFlight, ok + failed, failed,
                ok + failed == 0 ? 0 : (double)failed / (ok + failed),
                Percentile(sorted, 0.50), Percentile(sorted, 0.90), Percentile(sorted, 0.99),
                _measured ? DecayedCost(now) : null, requests, tokens, _totalRequests, _totalFailures,
                _lastFailure == UpstreamFailure.None ? null : FailureClassifier.Name(_lastFailure), _lastFailureAt, _lastSuccessAt);
        }
    }

    private static double? Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? null : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
