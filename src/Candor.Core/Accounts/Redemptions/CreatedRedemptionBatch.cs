namespace Candor.Core.Accounts.Redemptions;

/// <summary>A new batch: its id and the plaintext codes, which exist only here and are shown to the operator once.</summary>
/// <param name="BatchId">The batch id, <c>rcb_…</c>.</param>
/// <param name="Codes">Each code's id and plaintext, in creation order.</param>
/// <param name="Spec">The terms the codes carry.</param>
internal sealed record CreatedRedemptionBatch(string BatchId, IReadOnlyList<(string Id, string Code)> Codes, RedemptionBatchSpec Spec)
{
    /// <summary>Keeps the plaintext codes out of logs and debugger displays.</summary>
    public override string ToString() => $"CreatedRedemptionBatch {{ BatchId = {BatchId}, Count = {Codes.Count} }}";
}
