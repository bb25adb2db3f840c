using Candor.Core.Accounts;
using Candor.Core.Receipts;

namespace Candor.Storage.Relational;

/// <summary>One admission record for the group commit: the request, the receipt it promised, and the money to reserve in
/// the store with it (null where the node keeps its reservations in memory).</summary>
internal readonly record struct AdmissionWrite(UsageRecord Usage, AdmittedReceipt? Receipt, long? Reserve)
{
    /// <summary>By account, then key, as settlements (<see cref="SettlementOrder"/>): a reservation locks its account's row,
    /// then its key's, so the admission batches of several nodes take row locks in the settlements' global order.</summary>
    public static readonly IComparer<AdmissionWrite> Order = Comparer<AdmissionWrite>.Create(static (x, y) =>
    {
        int byAccount = string.CompareOrdinal(x.Usage.AccountId, y.Usage.AccountId);
        return byAccount != 0 ? byAccount : string.CompareOrdinal(x.Usage.KeyId, y.Usage.KeyId);
    });
}
