namespace Candor.Core.Admission;

/// <summary>Per-key requests-per-minute, tokens-per-minute and concurrency limits. Two implementations: this node's
/// <see cref="RateLimiter"/> (in memory, the default) and the cluster's shared limiter (Redis, every node counting
/// against the same buckets; docs/scale-out.md, "Shared limits"). A decision carries the <c>x-ratelimit-*</c> figures;
/// an admitted request holds its <see cref="RateLease"/> until it settles.</summary>
internal interface IRateLimiter
{
    /// <summary>Admits one request for <paramref name="keyId"/> against its concurrency and requests-per-minute limits:
    /// what can be decided before the body is read. The lease holds the slot; tokens are added to it later by
    /// <see cref="TryReserveTokensAsync"/>.</summary>
    ValueTask<RateDecision> TryAcquireAsync(string keyId, RateLimits limits, CancellationToken cancellationToken);

    /// <summary>Takes <paramref name="reservedTokens"/> from the key's tokens-per-minute limit into a lease from
    /// <see cref="TryAcquireAsync(string, RateLimits, CancellationToken)"/>. Refused, the request's requests-per-minute
    /// unit is given back and the lease still holds its slot until settled.</summary>
    ValueTask<RateDecision> TryReserveTokensAsync(RateLease lease, RateLimits limits, int reservedTokens, CancellationToken cancellationToken);

    /// <summary>Both steps at once (a request whose surface took no lease before its body was read).</summary>
    async ValueTask<RateDecision> TryAcquireAsync(string keyId, RateLimits limits, int reservedTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var first = await TryAcquireAsync(keyId, limits, cancellationToken).ConfigureAwait(false);
        if (!first.Allowed)
        {
            return first;
        }

        var second = await TryReserveTokensAsync(first.Lease!, limits, reservedTokens, cancellationToken).ConfigureAwait(false);
        if (!second.Allowed)
        {
            first.Lease!.Settle(0);
        }

        return second;
    }
}

/// <summary>What settles a <see cref="RateLease"/>: frees its slot and refunds unused tokens.</summary>
internal interface IRateLeaseOwner
{
    /// <summary>Called once per lease, from whichever path settles it first; never throws.</summary>
    void Release(RateLease lease, int refundTokens);
}
