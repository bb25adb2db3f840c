using System.Collections.Concurrent;
using System.Security.Cryptography;
using Candor.Core.Admission;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Candor.Storage.Redis;

/// <summary>The cluster's rate limits: every node counts a key's requests per minute, tokens per minute and requests in
/// flight in the same Redis buckets, each step one Lua script (atomic; dated by Redis's own clock, so the nodes' clocks
/// do not matter). The buckets behave as this node's <see cref="RateLimiter"/> does (<see cref="TokenBucket"/>: a burst
/// of at most the limit, refilled continuously), so a key's limits mean the same on one node and on many.
/// <para>Concurrency slots are leases in a sorted set, scored by expiry: renewed while their request runs, so a node
/// that dies frees its slots within <see cref="LeaseTtl"/>.</para>
/// <para>When Redis cannot be reached the node falls back to its own limiter with every limit divided by the node count
/// and buckets that start empty (what the others took in the shared bucket is not granted again), so the nodes
/// together never exceed a limit; it tries Redis again after <see cref="RetryAfterFailure"/>, and recovers by itself
/// (docs/scale-out.md, "Shared limits").</para></summary>
internal sealed partial class SharedRateLimiter : IRateLimiter, IRateLeaseOwner, IAsyncDisposable
{
    /// <summary>How long a concurrency slot outlives its last renewal.</summary>
    public static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(60);

    /// <summary>How long the node counts alone after Redis failed, before it asks Redis again.</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(1);

    private readonly IConnectionMultiplexer _redis;
    private readonly int _nodes;
    private readonly RateLimiter _fallback;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _prefix;
    private readonly TimeSpan _leaseTtl;
    private readonly ConcurrentDictionary<SharedLease, byte> _live = new();
    private readonly ITimer _renewal;
    private long _retryAt;
    private int _down;

    /// <param name="redis">A connection that reconnects by itself (<see cref="Connect"/>).</param>
    /// <param name="nodes">How many nodes share the limits (the fallback's divisor).</param>
    /// <param name="time">The clock for the fallback and the retry pause (Redis dates the shared buckets).</param>
    /// <param name="logger">Reports losing and regaining Redis (never a key or a limit's owner).</param>
    /// <param name="prefix">Namespace of the Redis keys (tests keep installations apart).</param>
    /// <param name="leaseTtl">Override of <see cref="LeaseTtl"/> (tests).</param>
    public SharedRateLimiter(IConnectionMultiplexer redis, int nodes, TimeProvider time, ILogger<SharedRateLimiter> logger, string prefix = "candor:rl:", TimeSpan? leaseTtl = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        _redis = redis;
        _nodes = nodes;
        _time = time;
        _logger = logger;
        _prefix = prefix;
        _leaseTtl = leaseTtl ?? LeaseTtl;
        _fallback = new RateLimiter(time, startEmpty: true);
        _renewal = time.CreateTimer(static s => _ = ((SharedRateLimiter)s!).RenewAsync(), this, _leaseTtl / 3, _leaseTtl / 3);
    }

    /// <summary>This node's limiter while Redis is unreachable (the requests it admitted hold leases of it).</summary>
    internal RateLimiter Fallback => _fallback;

    /// <summary>Whether the last attempt to reach Redis failed.</summary>
    public bool IsDegraded => Volatile.Read(ref _down) != 0;

    /// <summary>Connects to Redis without waiting for it to be up: commands fail at once while it is down (so admission
    /// falls back instead of queueing), and the connection comes back by itself.</summary>
    public static IConnectionMultiplexer Connect(string configuration, string? password)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ConnectTimeout = 2000;
        options.AsyncTimeout = 1000;
        options.SyncTimeout = 1000;
        options.ClientName = "candor";
        if (!string.IsNullOrEmpty(password))
        {
            options.Password = password;
        }

        return ConnectionMultiplexer.Connect(options);
    }

    /// <inheritdoc/>
    public async ValueTask<RateDecision> TryAcquireAsync(string keyId, RateLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        ArgumentNullException.ThrowIfNull(limits);
        if (limits is { RequestsPerMinute: null, TokensPerMinute: null, Concurrency: null })
        {
            // Unlimited: nothing to count anywhere.
            return _fallback.TryAcquire(keyId, limits);
        }

        if (!ShouldTryRedis())
        {
            return _fallback.TryAcquire(keyId, Share(limits));
        }

        var lease = new SharedLease(keyId, limits.Concurrency is null ? null : NewLeaseId());
        RedisResult result;
        try
        {
            result = await _redis.GetDatabase().ScriptEvaluateAsync(LuaScripts.Acquire,
                [Key(keyId, 'r'), Key(keyId, 'c'), Key(keyId, 't')],
                [Limit(limits.RequestsPerMinute), Limit(limits.Concurrency), lease.Id ?? "", (long)_leaseTtl.TotalMilliseconds, Limit(limits.TokensPerMinute)]).ConfigureAwait(false);
        }
        catch (Exception e) when (IsRedisFailure(e))
        {
            Failed(e);
            return _fallback.TryAcquire(keyId, Share(limits));
        }

        Recovered();
        var r = (long[])result!;
        bool allowed = r[0] == 1;
        RateLease? rateLease = null;
        if (allowed)
        {
            rateLease = new RateLease(this, lease, 0);
            lease.Limits = limits;
            if (lease.Id is not null)
            {
                _live.TryAdd(lease, 0);
            }
        }

        return Decision(limits, r[1] switch { 1 => "requests", 2 => "concurrency", _ => null }, r[2], r.AsSpan(3), rateLease);
    }

    /// <inheritdoc/>
    public async ValueTask<RateDecision> TryReserveTokensAsync(RateLease lease, RateLimits limits, int reservedTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(limits);
        if (lease.State is not SharedLease shared)
        {
            // Admitted by the fallback: its tokens come from the fallback too.
            return _fallback.TryReserveTokens(lease, Share(limits), reservedTokens);
        }

        if (ShouldTryRedis())
        {
            try
            {
                var result = await _redis.GetDatabase().ScriptEvaluateAsync(LuaScripts.ReserveTokens,
                    [Key(shared.KeyId, 't'), Key(shared.KeyId, 'r')],
                    [Limit(limits.TokensPerMinute), Limit(limits.RequestsPerMinute), reservedTokens]).ConfigureAwait(false);
                Recovered();
                var r = (long[])result!;
                if (r[0] == 1)
                {
                    lease.AddReservedTokens(limits.TokensPerMinute is null ? 0 : reservedTokens);
                }

                return Decision(limits, r[0] == 1 ? null : "tokens", r[1], r.AsSpan(2), r[0] == 1 ? lease : null);
            }
            catch (Exception e) when (IsRedisFailure(e))
            {
                Failed(e);
            }
        }

        // The slot is shared, Redis is not reachable now: the tokens come from this node's share (no headers: the
        // shared figures are unknown until it is back).
        if (limits.TokensPerMinute is null)
        {
            return new RateDecision { Allowed = true, Lease = lease };
        }

        var local = _fallback.TryAcquire(shared.KeyId, new RateLimits(null, Share(limits).TokensPerMinute, null), reservedTokens);
        if (!local.Allowed)
        {
            return local;
        }

        shared.LocalTokens = local.Lease;
        lease.AddReservedTokens(reservedTokens);
        return new RateDecision { Allowed = true, Lease = lease };
    }

    /// <summary>Frees the slot and refunds unused tokens, without waiting: a release Redis does not take leaves the slot to
    /// expire (<see cref="LeaseTtl"/>) and the tokens unrefunded — never more than the limits.</summary>
    void IRateLeaseOwner.Release(RateLease lease, int refundTokens)
    {
        var shared = (SharedLease)lease.State;
        _live.TryRemove(shared, out _);
        if (shared.LocalTokens is { } local)
        {
            local.Settle(local.ReservedTokens - refundTokens);
            refundTokens = 0;
        }

        if (shared.Id is null && (refundTokens <= 0 || shared.Limits?.TokensPerMinute is null))
        {
            return;
        }

        _ = ReleaseAsync(shared, refundTokens);
    }

    /// <summary>Stops renewing leases (the ones still held expire by themselves).</summary>
    public async ValueTask DisposeAsync()
    {
        await _renewal.DisposeAsync().ConfigureAwait(false);
    }

    private async Task ReleaseAsync(SharedLease shared, int refundTokens)
    {
        try
        {
            await _redis.GetDatabase().ScriptEvaluateAsync(LuaScripts.Release,
                [Key(shared.KeyId, 'c'), Key(shared.KeyId, 't')],
                [shared.Id ?? "", Limit(shared.Limits?.TokensPerMinute), refundTokens]).ConfigureAwait(false);
        }
        catch (Exception e) when (IsRedisFailure(e))
        {
            Failed(e);
        }
    }

    /// <summary>Pushes every held slot's expiry forward (one command per slot, sent together).</summary>
    private async Task RenewAsync()
    {
        if (_live.IsEmpty || !ShouldTryRedis())
        {
            return;
        }

        try
        {
            var db = _redis.GetDatabase();
            long ttl = (long)_leaseTtl.TotalMilliseconds;
            var renewals = new List<Task>();
            foreach (var lease in _live.Keys)
            {
                renewals.Add(db.ScriptEvaluateAsync(LuaScripts.Renew, [Key(lease.KeyId, 'c')], [lease.Id!, ttl]));
            }

            await Task.WhenAll(renewals).ConfigureAwait(false);
        }
        catch (Exception e) when (IsRedisFailure(e))
        {
            Failed(e);
        }
    }

    /// <summary>A decision from a script's figures: <paramref name="figures"/> holds requests left, ms until the requests
    /// bucket is full, tokens left, ms until the tokens bucket is full. Allowed exactly when nothing was exceeded.</summary>
    private static RateDecision Decision(RateLimits limits, string? exceeded, long waitMs, ReadOnlySpan<long> figures, RateLease? lease) => new()
    {
        Allowed = exceeded is null,
        Exceeded = exceeded,
        RetryAfter = TimeSpan.FromMilliseconds(waitMs),
        LimitRequests = limits.RequestsPerMinute,
        RemainingRequests = Math.Max(0, figures[0]),
        ResetRequests = TimeSpan.FromMilliseconds(figures[1]),
        LimitTokens = limits.TokensPerMinute,
        RemainingTokens = Math.Max(0, figures[2]),
        ResetTokens = TimeSpan.FromMilliseconds(figures[3]),
        Lease = lease,
    };

    /// <summary>This node's share of each limit (rounded down: the nodes together stay within it).</summary>
    private RateLimits Share(RateLimits limits) => _nodes == 1 ? limits : new RateLimits(
        limits.RequestsPerMinute / _nodes, limits.TokensPerMinute / _nodes, limits.Concurrency / _nodes);

    private bool ShouldTryRedis() => Volatile.Read(ref _down) == 0 || _time.GetTimestamp() >= Volatile.Read(ref _retryAt);

    private void Failed(Exception e)
    {
        Volatile.Write(ref _retryAt, _time.GetTimestamp() + (long)(RetryAfterFailure.TotalSeconds * _time.TimestampFrequency));
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            LogRedisLost(_logger, e.GetType().Name, _nodes);
        }
    }

    private void Recovered()
    {
        if (Volatile.Read(ref _down) != 0 && Interlocked.Exchange(ref _down, 0) == 1)
        {
            LogRedisBack(_logger);
        }
    }

    private static bool IsRedisFailure(Exception e) => e is RedisException or TimeoutException or ObjectDisposedException;

    private RedisKey Key(string keyId, char kind) => $"{_prefix}{{{keyId}}}:{kind}";

    private static long Limit(int? limit) => limit ?? -1;

    private static string NewLeaseId() => Convert.ToHexString(RandomNumberGenerator.GetBytes(12));

    [LoggerMessage(EventId = 3150, Level = LogLevel.Warning, Message = "Redis is unreachable ({ExceptionType}): rate limits are counted on this node at 1/{Nodes} of each limit until it is back")]
    private static partial void LogRedisLost(ILogger logger, string exceptionType, int nodes);

    [LoggerMessage(EventId = 3151, Level = LogLevel.Information, Message = "Redis is reachable again: rate limits are shared across nodes")]
    private static partial void LogRedisBack(ILogger logger);

    /// <summary>What a shared lease holds: the key, its slot's id in the sorted set (null without a concurrency limit),
    /// the limits it was admitted under, and tokens taken from this node's share while Redis was unreachable.</summary>
    private sealed class SharedLease(string keyId, string? id)
    {
        public string KeyId { get; } = keyId;

        public string? Id { get; } = id;

        public RateLimits? Limits { get; set; }

        public RateLease? LocalTokens { get; set; }
    }
}
