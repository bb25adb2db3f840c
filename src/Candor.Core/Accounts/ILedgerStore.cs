namespace Candor.Core.Accounts;

/// <summary>Balances, the ledger and the usage journal. A balance always equals the sum of the account's
/// ledger amounts: every balance change is written with its ledger entry in one transaction.</summary>
internal interface ILedgerStore
{
    /// <summary>Adds money to the account (a <see cref="LedgerKind.TopUp"/> entry). Returns the entry, or null
    /// when the account does not exist. Throws <see cref="ArgumentOutOfRangeException"/> unless the amount is positive.</summary>
    Task<LedgerEntry?> TopUpAsync(string accountId, long amountMicros, string note, CancellationToken cancellationToken);

    /// <summary>Appends an entry of any kind (refunds, adjustments) and applies it to the balance. Returns false
    /// when the account does not exist.</summary>
    Task<bool> AppendAsync(LedgerEntry entry, CancellationToken cancellationToken);

    /// <summary>Records a request's usage and its charge in one durable transaction that also updates the
    /// balance and the key's spend. <paramref name="charge"/> may be null for a request that costs nothing;
    /// otherwise it must have the record's account and request id (see <see cref="LedgerEntry.ChargeFor"/>).
    /// Idempotent per request id: returns false, changing nothing, when the request is already recorded.
    /// When the task completes the record has been committed to disk. Concurrent calls may share one transaction
    /// (group commit). Cancellation withdraws the write only while it has not started; settlement must still pass a
    /// token that does not follow the client's disconnect, e.g. a timeout of its own.</summary>
    Task<bool> RecordUsageAsync(UsageRecord usage, LedgerEntry? charge, CancellationToken cancellationToken);

    /// <summary>Records a request's usage and charge (as <see cref="RecordUsageAsync(UsageRecord, LedgerEntry?, CancellationToken)"/>)
    /// and its signed receipt in the same durable transaction, which also removes the request's admission record: all of
    /// them are stored or none is (docs/fail-closed.md). A receipt already stored under its id is kept as it is.</summary>
    Task<bool> RecordUsageAsync(UsageRecord usage, LedgerEntry? charge, Receipts.StoredReceipt? receipt, CancellationToken cancellationToken);

    /// <summary>Records durably that a request was admitted (its id, account, key, surface, models and prompt count from
    /// <paramref name="admitted"/>), so that a crash before its settlement still leaves a usage record: the admission is
    /// turned into an <see cref="UsageOutcome.Interrupted"/> record at the next start, and removed by the settlement.
    /// Group-committed like settlements. Stores without crash recovery do nothing.</summary>
    Task RecordAdmissionAsync(UsageRecord admitted, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Records the admission (as <see cref="RecordAdmissionAsync(UsageRecord, CancellationToken)"/>) with what
    /// the request's receipt states at admission, in the same row, so that recovery can seal that receipt as
    /// <c>interrupted</c> under the id its client was given.</summary>
    Task RecordAdmissionAsync(UsageRecord admitted, Receipts.AdmittedReceipt? receipt, CancellationToken cancellationToken) =>
        RecordAdmissionAsync(admitted, cancellationToken);

    /// <summary>True when money is reserved in the store itself at admission (a store that several nodes share):
    /// admission then calls <see cref="TryReserveAndRecordAdmissionAsync"/>, which checks the balance and the key's budget
    /// against every node's reservations atomically, and the settlement's transaction releases the reservation. False: the
    /// node keeps its reservations in memory (one node; no round trip beyond the admission record).</summary>
    bool ReservesInStore => false;

    /// <summary>Records the admission (as <see cref="RecordAdmissionAsync(UsageRecord, Receipts.AdmittedReceipt?, CancellationToken)"/>)
    /// and reserves <paramref name="reserveMicros"/> in the store in the same transaction: against the account's balance
    /// less every reservation held on it, and against the key's budget less its spend and reservations. Returns false,
    /// having recorded and reserved nothing, when either does not cover it. The reservation is released by the request's
    /// settlement (<see cref="RecordUsageAsync(UsageRecord, LedgerEntry?, Receipts.StoredReceipt?, CancellationToken)"/>),
    /// or by recovery when the request ends without one.</summary>
    Task<bool> TryReserveAndRecordAdmissionAsync(UsageRecord admitted, Receipts.AdmittedReceipt? receipt, long reserveMicros, CancellationToken cancellationToken) =>
        throw new NotSupportedException("This store keeps no reservations.");

    /// <summary>The account's balance in micro-USD, or null when the account does not exist.</summary>
    Task<long?> GetBalanceAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>What the key has spent over its life (charges minus refunds), in micro-USD.</summary>
    Task<long> GetKeySpendAsync(string keyId, CancellationToken cancellationToken);

    /// <summary>The account's usage record for a request, or null (also when it belongs to another account).</summary>
    Task<UsageRecord?> GetUsageAsync(string accountId, string requestId, CancellationToken cancellationToken);

    /// <summary>The account's usage records, newest first, optionally of one key only.</summary>
    Task<Page<UsageRecord>> ListUsageAsync(string accountId, string? keyId, int limit, string? cursor, CancellationToken cancellationToken);

    /// <summary>The account's ledger entries, newest first.</summary>
    Task<Page<LedgerEntry>> ListLedgerAsync(string accountId, int limit, string? cursor, CancellationToken cancellationToken);

    /// <summary>The account's totals for reconciliation, or null when the account does not exist.</summary>
    Task<LedgerSummary?> GetSummaryAsync(string accountId, CancellationToken cancellationToken);
}
