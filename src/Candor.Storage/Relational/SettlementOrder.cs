using Candor.Core.Accounts;
using Candor.Core.Receipts;

namespace Candor.Storage.Relational;

/// <summary>The order in which a group commit writes its settlements: by account, then key (ordinal). A settlement
/// locks its account's row, then its key's row; a key belongs to one account, so every batch takes its row locks in
/// one global order, and the batches of several nodes on one PostgreSQL cannot deadlock one another.</summary>
internal sealed class SettlementOrder : IComparer<(UsageRecord Usage, LedgerEntry? Charge, StoredReceipt? Receipt)>
{
    public static readonly SettlementOrder Instance = new();

    public int Compare((UsageRecord Usage, LedgerEntry? Charge, StoredReceipt? Receipt) x, (UsageRecord Usage, LedgerEntry? Charge, StoredReceipt? Receipt) y)
    {
        int byAccount = string.CompareOrdinal(x.Usage.AccountId, y.Usage.AccountId);
        return byAccount != 0 ? byAccount : string.CompareOrdinal(x.Usage.KeyId, y.Usage.KeyId);
    }
}
