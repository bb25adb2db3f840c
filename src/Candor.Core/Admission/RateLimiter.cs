using System.Collections.Concurrent;
using System.Globalization;
using Candor.Protocols.Canonical;

namespace Candor.Core.Admission;

/// <summary>Per-key requests-per-minute, tokens-per-minute (on reserved tokens: prompt estimate plus
/// maximum output, refunded at settlement) and concurrent requests, held in memory on this node.
/// Time comes from the injected <see cref="TimeProvider"/> so tests are deterministic.</summary>
/// <param name="time">The clock.</param>
/// <param name="startEmpty">Whether a key's buckets start empty and fill at their rate, instead of full: the shared
/// limiter's fallback while Redis is unreachable, so that what the other nodes already took in the shared bucket is
/// not granted a second time here.</param>
internal sealed class RateLimiter(TimeProvider time, bool startEmpty = false) : IRateLimiter, IRateLeaseOwner
{
    private readonly ConcurrentDictionary<string, KeyState> _keys = new(StringComparer.Ordinal);

    /// <summary>Admits one request for <paramref name="keyId"/> against all three limits at once, or says which
    /// limit refuses and for how long (<see cref="TryAcquire(string, RateLimits)"/> then <see cref="TryReserveTokens"/>).</summary>
    public RateDecision TryAcquire(string keyId, RateLimits limits, int reservedTokens)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var first = TryAcquire(keyId, limits);
        if (!first.Allowed)
        {
            return first;
        }

        var second = TryReserveTokens(first.Lease!, limits, reservedTokens);
        if (!second.Allowed)
        {
            first.Lease!.Settle(0);
        }

        return second;
    }

    /// <summary>Admits one request for <paramref name="keyId"/> against its concurrency and requests-per-minute
    /// limits only: what can be decided before the request's body is read. The lease holds the slot; the tokens
    /// are taken later by <see cref="TryReserveTokens"/>, once the prompt is known.</summary>
    public RateDecision TryAcquire(string keyId, RateLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var state = _keys.GetOrAdd(keyId, static (_, empty) => new KeyState(empty), startEmpty);
        long now = time.GetTimestamp();
        long frequency = time.TimestampFrequency;
        lock (state)
        {
            state.Adopt(limits, now, frequency);
            if (limits.Concurrency is int max && state.InFlight >= max)
            {
                return Refuse(state, limits, now, "concurrency", TimeSpan.FromSeconds(1));
            }

            if (state.Requests is { } requests && !requests.TryTake(1, now, out var waitRequests))
            {
                return Refuse(state, limits, now, "requests", waitRequests);
            }

            state.InFlight++;
            return Decision(state, limits, now, allowed: true, null, TimeSpan.Zero, new RateLease(this, state, 0));
        }
    }

    /// <summary>Takes <paramref name="reservedTokens"/> from the key's tokens-per-minute limit into a lease from
    /// <see cref="TryAcquire(string, RateLimits)"/>. Refused, the request is given back to the requests-per-minute
    /// limit (a request refused for tokens does not count) and the lease still holds its slot until settled.</summary>
    public RateDecision TryReserveTokens(RateLease lease, RateLimits limits, int reservedTokens)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(limits);
        var state = (KeyState)lease.State;
        long now = time.GetTimestamp();
        lock (state)
        {
            state.Adopt(limits, now, time.TimestampFrequency);
            if (state.Tokens is { } tokens && !tokens.TryTake(reservedTokens, now, out var waitTokens))
            {
                state.Requests?.Give(1, now);
                return Refuse(state, limits, now, "tokens", waitTokens);
            }

            lease.AddReservedTokens(state.Tokens is null ? 0 : reservedTokens);
            return Decision(state, limits, now, allowed: true, null, TimeSpan.Zero, lease);
        }
    }

    /// <summary>The keys with requests in flight, by key id: a slot still held once every request has finished is a
    /// leak (the functional tests' host checks it at dispose).</summary>
    internal IReadOnlyList<(string KeyId, int InFlight)> InFlightByKey
    {
        get
        {
            var held = new List<(string, int)>();
            foreach (var (keyId, state) in _keys)
            {
                lock (state)
                {
                    if (state.InFlight != 0)
                    {
                        held.Add((keyId, state.InFlight));
                    }
                }
            }

            return held;
        }
    }

    /// <inheritdoc/>
    public ValueTask<RateDecision> TryAcquireAsync(string keyId, RateLimits limits, CancellationToken cancellationToken) =>
        ValueTask.FromResult(TryAcquire(keyId, limits));

    /// <inheritdoc/>
    public ValueTask<RateDecision> TryReserveTokensAsync(RateLease lease, RateLimits limits, int reservedTokens, CancellationToken cancellationToken) =>
        ValueTask.FromResult(TryReserveTokens(lease, limits, reservedTokens));

    void IRateLeaseOwner.Release(RateLease lease, int refundTokens) => Release((KeyState)lease.State, refundTokens);

    private void Release(KeyState state, int refundTokens)
    {
        long now = time.GetTimestamp();
        lock (state)
        {
            state.InFlight--;
            if (refundTokens > 0)
            {
                state.Tokens?.Give(refundTokens, now);
            }
        }
    }

    /// <summary>Writes OpenAI's <c>x-ratelimit-*</c> headers (and Retry-After when refused) through
    /// <paramref name="set"/> (name, value) on <paramref name="target"/>: a static lambda keeps it free of allocations.</summary>
    public static void WriteHeaders<T>(T target, Action<T, string, string> set, RateDecision decision)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(decision);
        if (decision.LimitRequests is int limitRequests)
        {
            set(target, "x-ratelimit-limit-requests", limitRequests.ToString(CultureInfo.InvariantCulture));
            set(target, "x-ratelimit-remaining-requests", decision.RemainingRequests.ToString(CultureInfo.InvariantCulture));
            set(target, "x-ratelimit-reset-requests", Duration(decision.ResetRequests));
        }

        if (decision.LimitTokens is int limitTokens)
        {
            set(target, "x-ratelimit-limit-tokens", limitTokens.ToString(CultureInfo.InvariantCulture));
            set(target, "x-ratelimit-remaining-tokens", decision.RemainingTokens.ToString(CultureInfo.InvariantCulture));
            set(target, "x-ratelimit-reset-tokens", Duration(decision.ResetTokens));
        }

        if (!decision.Allowed)
        {
            set(target, "retry-after", Math.Max(1, (int)Math.Ceiling(decision.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The 429 a refused decision answers with: which limit, and when to retry (also the Retry-After header).</summary>
    public static RelayError Refusal(RateDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        int retry = Math.Max(1, (int)Math.Ceiling(decision.RetryAfter.TotalSeconds));
        return new RelayError(RelayStage.Admission, RelayErrorKind.RateLimited, 429,
            $"Rate limit reached for this API key ({decision.Exceeded}); retry after {retry.ToString(CultureInfo.InvariantCulture)} s.")
        { RetryAfterSeconds = retry, Code = "rate_limit_exceeded" };
    }

    /// <summary>OpenAI's duration format: "6m0s", "1.5s", "20ms".</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.FromSeconds(1))
        {
            return ((int)Math.Ceiling(span.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "ms";
        }

        int minutes = (int)span.TotalMinutes;
        double seconds = Math.Round(span.TotalSeconds - (minutes * 60), 3);
        return minutes > 0
            ? $"{minutes.ToString(CultureInfo.InvariantCulture)}m{seconds.ToString("0.###", CultureInfo.InvariantCulture)}s"
            : seconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
    }

    private static RateDecision Refuse(KeyState state, RateLimits limits, long now, string exceeded, TimeSpan wait) =>
        Decision(state, limits, now, allowed: false, exceeded, wait, lease: null);

    private static RateDecision Decision(KeyState state, RateLimits limits, long now, bool allowed, string? exceeded, TimeSpan wait, RateLease? lease) => new()
    {
        Allowed = allowed,
        Exceeded = exceeded,
        RetryAfter = wait,
        LimitRequests = limits.RequestsPerMinute,
        RemainingRequests = state.Requests?.Remaining(now) ?? 0,
        ResetRequests = state.Requests?.UntilFull(now) ?? TimeSpan.Zero,
        LimitTokens = limits.TokensPerMinute,
        RemainingTokens = state.Tokens?.Remaining(now) ?? 0,
        ResetTokens = state.Tokens?.UntilFull(now) ?? TimeSpan.Zero,
        Lease = lease,
    };

    /// <summary>One key's buckets and in-flight count; guarded by locking the instance.</summary>
    internal sealed class KeyState(bool startEmpty)
    {
        public TokenBucket? Requests { get; private set; }

        public TokenBucket? Tokens { get; private set; }

        public int InFlight { get; set; }

        public void Adopt(RateLimits limits, long now, long frequency)
        {
            Requests = Adopt(Requests, limits.RequestsPerMinute, now, frequency);
            Tokens = Adopt(Tokens, limits.TokensPerMinute, now, frequency);
        }

        private TokenBucket? Adopt(TokenBucket? bucket, int? limit, long now, long frequency)
        {
            if (limit is not int l)
            {
                return null;
            }

            if (bucket is null)
            {
                return new TokenBucket(l, now, frequency, startEmpty ? 0 : l);
            }

            if (bucket.Capacity != l)
            {
                bucket.Resize(l, now);
            }

            return bucket;
        }
    }
}
