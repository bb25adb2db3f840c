namespace Candor.Core.Admission;

/// <summary>What an admitted request holds: a concurrency slot and the tokens reserved against the
/// per-minute token limit. <see cref="Settle"/> returns the unused part of the reservation and frees
/// the slot; it is safe to call once from any path (success, error, cancellation).</summary>
public sealed class RateLease
{
    private readonly RateLimiter _owner;
    private readonly RateLimiter.KeyState _state;
    private int _settled;

    internal RateLease(RateLimiter owner, RateLimiter.KeyState state, int reservedTokens)
    {
        _owner = owner;
        _state = state;
        ReservedTokens = reservedTokens;
    }

    public int ReservedTokens { get; }

    /// <summary>Frees the slot and refunds <c>ReservedTokens − usedTokens</c> (never more than reserved).</summary>
    public void Settle(int usedTokens)
    {
        if (Interlocked.Exchange(ref _settled, 1) == 0)
        {
            _owner.Release(_state, Math.Max(0, ReservedTokens - Math.Max(0, usedTokens)));
        }
    }
}
