using Candor.Core.Admission;
using Candor.Core.Configuration;

namespace Candor.Core.Routing;

/// <summary>One attempt's hold on a deployment: it counts against the deployment's concurrency and rate
/// limits from selection to <see cref="Release"/>, and reports the attempt's outcome to its health exactly once.</summary>
internal sealed class DeploymentLease
{
    private readonly DeploymentHealth _health;
    private readonly ChannelHealth _channel;
    private readonly HealthOptions _options;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly long _estimatedTokens;
    private long _reportedTokens = -1;
    private RateLease? _shared;
    private bool _judged;
    private int _released;

    internal DeploymentLease(DeploymentHealth health, ChannelHealth channel, HealthOptions options, TimeProvider time, bool trial, long estimatedTokens)
    {
        _health = health;
        _channel = channel;
        _options = options;
        _time = time;
        Trial = trial;
        _estimatedTokens = estimatedTokens;
        _started = time.GetTimestamp();
    }

    /// <summary>Whether this attempt is a half-open trial (its outcome closes or reopens the circuit).</summary>
    public bool Trial { get; }

    /// <summary>Time since the deployment was selected.</summary>
    public TimeSpan Elapsed => _time.GetElapsedTime(_started);

    /// <summary>The upstream answered (the response is committed to the client): latency is the time since selection
    /// (to the first event of a stream, to the whole body otherwise).</summary>
    public void Succeeded()
    {
        if (!_judged)
        {
            _judged = true;
            _health.RecordSuccess(Elapsed, Trial, _options);
        }
    }

    /// <summary>The attempt failed before the first byte. Credential failures disable the channel.</summary>
    public void Failed(UpstreamFailure failure, int? retryAfterSeconds)
    {
        if (_judged)
        {
            return;
        }

        _judged = true;
        if (failure == UpstreamFailure.Credentials)
        {
            _channel.Disable("the upstream refused the channel's credential (401 or 403)");
            _health.RecordAbandoned(Trial);
            return;
        }

        if (!FailureClassifier.CountsAgainstHealth(failure))
        {
            // The client's own request caused it (or nothing failed): the deployment's health is not judged.
            _health.RecordAbandoned(Trial);
            if (retryAfterSeconds is > 0)
            {
                _health.RecordFailure(failure, Elapsed, retryAfterSeconds, trial: false, _options);
            }

            return;
        }

        _health.RecordFailure(failure, Elapsed, retryAfterSeconds, Trial, _options);
    }

    /// <summary>A committed stream broke before its end: counted as a failure of the deployment (it is not retried).</summary>
    public void BrokeAfterStart(UpstreamFailure failure) => _health.RecordFailure(failure, Elapsed, null, trial: false, _options);

    /// <summary>The upstream's reported usage (input + output tokens), which replaces the estimate in the tpm count.</summary>
    public void ReportTokens(long tokens) => _reportedTokens = Math.Max(_reportedTokens, tokens);

    /// <summary>The attempt's hold on the cluster's count of the deployment's limits (<see cref="SharedDeploymentLimits"/>),
    /// settled with the reported tokens by <see cref="Release"/>.</summary>
    internal void Hold(RateLease shared) => _shared = shared;

    /// <summary>Ends the attempt: frees its concurrency slot. Safe to call more than once.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        _shared?.Settle((int)Math.Min(_reportedTokens < 0 ? _estimatedTokens : _reportedTokens, int.MaxValue));

        if (!_judged)
        {
            _judged = true;
            _health.RecordAbandoned(Trial);
        }

        _health.Release(_reportedTokens < 0 ? 0 : _reportedTokens - _estimatedTokens);
    }
}
