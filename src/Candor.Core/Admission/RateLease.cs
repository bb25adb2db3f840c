namespace Candor.Core.Admission;

/// <summary>What an admitted request holds: a concurrency slot and the tokens reserved against the
/// per-minute token limit. <see cref="Settle"/> returns the unused part of the reservation and frees
/// the slot; it is safe to call from any path, any number of times (success, error, cancellation): only the
/// first call counts. Disposing settles with nothing used.</summary>
internal sealed class RateLease : IDisposable
{
    private readonly IRateLeaseOwner _owner;
    private int _settled;

    internal RateLease(IRateLeaseOwner owner, object state, int reservedTokens)
    {
        _owner = owner;
        State = state;
        ReservedTokens = reservedTokens;
    }

    /// <summary>Tokens taken from the per-minute token limit (0 until <see cref="IRateLimiter.TryReserveTokensAsync"/>).</summary>
    public int ReservedTokens { get; private set; }

    /// <summary>True once <see cref="Settle"/> has run.</summary>
    public bool IsSettled => Volatile.Read(ref _settled) != 0;

    /// <summary>The owner's record of what the lease holds (this node's key state, or the shared lease's id).</summary>
    internal object State { get; }

    /// <summary>Called by the owner once the tokens are taken.</summary>
    internal void AddReservedTokens(int tokens) => ReservedTokens += tokens;

    /// <summary>Frees the slot and refunds <c>ReservedTokens − usedTokens</c> (never more than reserved).</summary>
    public void Settle(int usedTokens)
    {
        if (Interlocked.Exchange(ref _settled, 1) == 0)
        {
            _owner.Release(this, Math.Max(0, ReservedTokens - Math.Max(0, usedTokens)));
        }
    }

    /// <summary>Settles with nothing used (a request that ended before it was metered); no-op once settled.</summary>
    public void Dispose() => Settle(0);
}
