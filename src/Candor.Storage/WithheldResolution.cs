namespace Candor.Storage;

/// <summary>What <see cref="RelationalStore.ResolveWithheldAsync"/> found for requests whose answers were withheld.</summary>
/// <param name="Recovered">Admissions claimed before any settlement committed: recorded <c>interrupted</c>, nothing charged,
/// their reservations released; a settlement still on its way writes nothing.</param>
/// <param name="Refunded">Settlements that had committed with a charge: the charge is voided by a refund entry.</param>
/// <param name="Settled">Requests with nothing left to do (settled free, already refunded, or recovered before).</param>
internal sealed record WithheldResolution(IReadOnlySet<string> Recovered, IReadOnlySet<string> Refunded, IReadOnlySet<string> Settled)
{
    /// <summary>True when the request's outcome is known and final: it is not charged.</summary>
    public bool IsResolved(string requestId) => Recovered.Contains(requestId) || Refunded.Contains(requestId) || Settled.Contains(requestId);
}
