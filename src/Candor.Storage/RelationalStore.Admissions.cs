using Candor.Core.Accounts;
using Candor.Core.Receipts;
using Candor.Storage.Relational;
using Candor.Storage.Sqlite;
using System.Data.Common;

namespace Candor.Storage;

/// <summary>Admission records, the money a shared store holds for them, and crash recovery (docs/fail-closed.md, "Crash";
/// docs/scale-out.md, "Money across nodes" and "A node dies").</summary>
internal abstract partial class RelationalStore
{
    /// <summary>How long a node's lease lasts without renewal (<see cref="RenewNodeAsync"/>): after it the node counts as
    /// dead and any other node recovers its admissions. Nodes renew every <see cref="NodeRenewal"/>; their clocks must
    /// agree within a few seconds (NTP).</summary>
    public static readonly TimeSpan NodeLease = TimeSpan.FromSeconds(30);

    /// <summary>How often a node renews its lease and runs recovery (<see cref="RenewNodeAsync"/>, <see cref="RecoverInterruptedAsync"/>).</summary>
    public static readonly TimeSpan NodeRenewal = TimeSpan.FromSeconds(5);

    /// <inheritdoc/>
    public Task RecordAdmissionAsync(UsageRecord admitted, CancellationToken cancellationToken) => RecordAdmissionAsync(admitted, null, cancellationToken);

    /// <inheritdoc/>
    public Task RecordAdmissionAsync(UsageRecord admitted, AdmittedReceipt? receipt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admitted);
        return _admissions.WriteAsync(new AdmissionWrite(admitted, receipt, null), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> TryReserveAndRecordAdmissionAsync(UsageRecord admitted, AdmittedReceipt? receipt, long reserveMicros, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admitted);
        ArgumentOutOfRangeException.ThrowIfNegative(reserveMicros);
        if (!ReservesInStore)
        {
            throw new InvalidOperationException("This store keeps reservations in the node's memory (ReservesInStore is false).");
        }

        return _admissions.WriteAsync(new AdmissionWrite(admitted, receipt, reserveMicros), cancellationToken);
    }

    /// <summary>Writes one admission inside a group-commit transaction: with a reservation, first the two conditional
    /// UPDATEs (account, then key: the settlements' lock order), each of which changes its row only when the money left
    /// covers it; either refusing undoes the other and records nothing (false).</summary>
    private async Task<bool> ApplyAdmissionAsync(DbConnection c, DbTransaction tx, AdmissionWrite item)
    {
        var (admitted, receipt, reserve) = item;
        if (reserve is { } amount)
        {
            if (await _db.Prepared(c, tx, AccountsSql.Reserve).Add("@amount", amount).Add("@id", admitted.AccountId)
                .ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false) == 0)
            {
                return false;
            }

            if (await _db.Prepared(c, tx, ApiKeysSql.Reserve).Add("@amount", amount).Add("@id", admitted.KeyId)
                .ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false) == 0)
            {
                await _db.Prepared(c, tx, AccountsSql.Release).Add("@amount", amount).Add("@id", admitted.AccountId)
                    .ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                return false;
            }
        }

        bool inserted = await BindAdmission(_db.Prepared(c, tx, AdmissionsSql.Insert), admitted, receipt, reserve)
            .ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false) > 0;
        if (!inserted && reserve is not null)
        {
            // A request id admitted twice would hold money no settlement releases.
            throw new InvalidOperationException("The request is already admitted.");
        }

        return true;
    }

    /// <summary>Binds the parameters of <see cref="AdmissionsSql.Insert"/>.</summary>
    private DbCommand BindAdmission(DbCommand insert, UsageRecord admitted, AdmittedReceipt? receipt, long? reserve) => insert
        .Add("@request_id", admitted.RequestId)
        .Add("@account_id", admitted.AccountId)
        .Add("@key_id", admitted.KeyId)
        .Add("@created_at", DbValues.ToMillis(admitted.CreatedAt))
        .Add("@surface", admitted.Surface)
        .Add("@requested_model", admitted.RequestedModel)
        .Add("@upstream_model", admitted.UpstreamModel)
        .Add("@counted_input_tokens", admitted.CountedInputTokens)
        .Add("@receipt_id", receipt?.ReceiptId)
        .Add("@receipt_owner", receipt?.OwnerId)
        .Add("@receipt_key", receipt?.Pseudonym)
        .Add("@receipt_kind", receipt?.Kind)
        .Add("@request_sha256", receipt is null ? null : Convert.ToHexStringLower(receipt.RequestSha256))
        .Add("@request_bytes", receipt?.RequestBytes)
        .Add("@node_id", NodeId)
        .Add("@reserved_micros", reserve ?? 0);

    /// <summary>Deletes a settling request's admission record and releases the money it held in the store (account, then
    /// key). A record already recovered is left to recovery (it holds nothing: its claim released it, so nothing is released
    /// twice), and the settlement then finds the request recorded <c>interrupted</c> and writes nothing.</summary>
    private async Task DeleteAdmissionAsync(DbConnection c, DbTransaction tx, UsageRecord usage)
    {
        if (!ReservesInStore)
        {
            await _db.Prepared(c, tx, AdmissionsSql.DeleteUnrecovered).Add("@request_id", usage.RequestId)
                .ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            return;
        }

        if (await _db.Prepared(c, tx, AdmissionsSql.DeleteReturningReserved).Add("@request_id", usage.RequestId)
            .ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false) is { } held && Convert.ToInt64(held, System.Globalization.CultureInfo.InvariantCulture) is > 0 and var amount)
        {
            await ReleaseAsync(c, tx, usage.AccountId, usage.KeyId, amount).ConfigureAwait(false);
        }
    }

    private async Task ReleaseAsync(DbConnection c, DbTransaction tx, string accountId, string keyId, long amount)
    {
        await _db.Prepared(c, tx, AccountsSql.Release).Add("@amount", amount).Add("@id", accountId)
            .ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        await _db.Prepared(c, tx, ApiKeysSql.Release).Add("@amount", amount).Add("@id", keyId)
            .ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Crash recovery: every admission left without its settlement by a process that stopped gets a usage record
    /// with outcome <c>interrupted</c> and no charge, and the money it held in the store is released; returns how many.
    /// On SQLite (one process) that is every admission, at start. On a shared database it is the admissions of nodes
    /// whose lease expired (never a live node's in-flight request); every node runs it at start and every
    /// <see cref="NodeRenewal"/>, so a dead node's reservations are freed within <see cref="NodeLease"/> plus that.
    /// Admissions that promised a receipt stay until <see cref="StoreInterruptedReceiptsAsync"/> stores it.</summary>
    public Task<int> RecoverInterruptedAsync(CancellationToken cancellationToken) =>
        RecoverAsync(IsShared ? RecoveryScope.DeadNodes : RecoveryScope.All, [], null, cancellationToken);

    /// <summary>Recovers this node's own admissions of <paramref name="requestIds"/>: requests that ended without a
    /// committed settlement (the store failed), whose reservation would otherwise stay held until this node stops. Returns
    /// the ids recovered now; an id with no admission left (settled after all, or never written) is not among them.</summary>
    public async Task<IReadOnlySet<string>> RecoverAbandonedAsync(IReadOnlyCollection<string> requestIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requestIds);
        var recovered = new HashSet<string>(StringComparer.Ordinal);
        if (requestIds.Count > 0)
        {
            await RecoverAsync(RecoveryScope.Listed, requestIds, recovered, cancellationToken).ConfigureAwait(false);
        }

        return recovered;
    }

    /// <summary>Recovers every admission of this node not yet recovered: right after <see cref="TryClaimNodeAsync"/> took
    /// the id back from this node's previous run, before this run admits anything, they are all that run's.</summary>
    public Task<int> RecoverOwnAsync(CancellationToken cancellationToken) => RecoverAsync(RecoveryScope.ThisNode, [], null, cancellationToken);

    /// <summary>Recovers the admissions of nodes whose lease expired, whatever the engine (tests).</summary>
    internal Task<int> RecoverDeadNodesAsync(CancellationToken cancellationToken) => RecoverAsync(RecoveryScope.DeadNodes, [], null, cancellationToken);

    private Task<int> RecoverAsync(RecoveryScope scope, IReadOnlyCollection<string> requestIds, HashSet<string>? recovered, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            long cutoff = DbValues.ToMillis(_time.GetUtcNow() - NodeLease);
            var candidates = new List<(string RequestId, string AccountId, string KeyId, long Reserved)>();
            static (string, string, string, long) Read(DbDataReader r) => (r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3));
            if (scope == RecoveryScope.Listed)
            {
                foreach (string id in requestIds)
                {
                    using var one = Command(c, tx, AdmissionsSql.SelectUnrecoveredById).Add("@request_id", id);
                    candidates.AddRange(await QueryAsync(one, Read, cancellationToken).ConfigureAwait(false));
                }

                candidates.Sort(static (x, y) =>
                {
                    int byAccount = string.CompareOrdinal(x.AccountId, y.AccountId);
                    return byAccount != 0 ? byAccount : string.CompareOrdinal(x.KeyId, y.KeyId);
                });
            }
            else
            {
                using var select = scope switch
                {
                    RecoveryScope.All => Command(c, tx, AdmissionsSql.SelectUnrecovered),
                    RecoveryScope.ThisNode => Command(c, tx, AdmissionsSql.SelectUnrecoveredOfNode).Add("@node_id", NodeId),
                    _ => Command(c, tx, AdmissionsSql.SelectUnrecoveredOfDeadNodes).Add("@cutoff", cutoff),
                };
                candidates.AddRange(await QueryAsync(select, Read, cancellationToken).ConfigureAwait(false));
            }

            // Each row is claimed by one conditional UPDATE: of two nodes recovering at once (or a late settlement) exactly
            // one changes it, so its money is released once.
            int claimed = 0;
            foreach (var (requestId, accountId, keyId, reserved) in candidates)
            {
                using var claim = Command(c, tx, AdmissionsSql.Claim).Add("@request_id", requestId);
                if (await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    continue;
                }

                claimed++;
                recovered?.Add(requestId);
                if (reserved > 0)
                {
                    await ReleaseAsync(c, tx, accountId, keyId, reserved).ConfigureAwait(false);
                }
            }

            if (claimed > 0)
            {
                using var insert = Command(c, tx, AdmissionsSql.RecoverInterrupted);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                using var delete = Command(c, tx, AdmissionsSql.DeleteWithoutReceipt);
                await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            if (scope == RecoveryScope.DeadNodes)
            {
                using var expire = Command(c, tx, NodesSql.DeleteExpired).Add("@cutoff", cutoff);
                await expire.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return claimed;
        }, cancellationToken);

    /// <summary>Renews this node's lease (<see cref="NodeLease"/>); a node row removed by another node (it thought this one
    /// dead) is written again. False when another process holds the row (this one lost its id: it is never renewed).</summary>
    public Task<bool> RenewNodeAsync(CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var renew = Command(c, tx, NodesSql.Renew).Add("@node_id", NodeId).Add("@now", DbValues.ToMillis(_time.GetUtcNow()))
                .Add("@instance", Instance);
            return await renew.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    /// <summary>Makes <paramref name="nodeId"/> this process's node id when no other live process holds it: it is free,
    /// its lease expired, or its holder is <paramref name="previousInstance"/> (the process that last ran from this data
    /// directory, dead: the caller holds the directory's lock). Call before anything is admitted; false leaves
    /// <see cref="NodeId"/> as it was.</summary>
    public async Task<bool> TryClaimNodeAsync(string nodeId, string? previousInstance, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        var now = _time.GetUtcNow();
        bool claimed = await _db.WriteAsync(async (c, tx) =>
        {
            using var claim = Command(c, tx, NodesSql.Claim).Add("@node_id", nodeId).Add("@now", DbValues.ToMillis(now)).Add("@instance", Instance)
                .Add("@cutoff", DbValues.ToMillis(now - NodeLease)).Add("@previous", string.IsNullOrEmpty(previousInstance) ? "-" : previousInstance);
            return await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken).ConfigureAwait(false);
        if (claimed)
        {
            NodeId = nodeId;
        }

        return claimed;
    }

    /// <summary>Ends this node's lease at a clean stop, so that any admission it still holds is recovered at once.</summary>
    public Task LeaveAsync(CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var delete = Command(c, tx, NodesSql.Delete).Add("@node_id", NodeId).Add("@instance", Instance);
            return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>What this node's unrecovered admissions hold in the store: how many, and the money (tests check that a
    /// node holds nothing once its requests ended).</summary>
    internal Task<(long Admissions, long ReservedMicros)> HeldByNodeAsync(CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, AdmissionsSql.SelectHeldByNode).Add("@node_id", NodeId);
            using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return (reader.GetInt64(0), reader.GetInt64(1));
        }, cancellationToken);

    /// <summary>The money held in the store on an account and on a key (tests).</summary>
    internal Task<(long Account, long Key)> ReservedAsync(string accountId, string keyId, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var account = Command(c, tx, AccountsSql.SelectReserved).Add("@id", accountId);
            using var key = Command(c, tx, ApiKeysSql.SelectReserved).Add("@id", keyId);
            return (await ScalarInt64Async(account, cancellationToken).ConfigureAwait(false), await ScalarInt64Async(key, cancellationToken).ConfigureAwait(false));
        }, cancellationToken);

    /// <summary>The receipts promised by recovered admissions (after <see cref="RecoverInterruptedAsync"/>; at start before
    /// the server listens, and by the recovery of dead nodes' admissions on a shared database).</summary>
    public Task<List<AdmittedReceipt>> ListInterruptedReceiptsAsync(CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, AdmissionsSql.SelectReceipts);
            var list = new List<AdmittedReceipt>();
            using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(new AdmittedReceipt(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    reader.GetString(5), reader.GetString(6), reader.GetString(7), Convert.FromHexString(reader.GetString(8)), reader.GetInt32(9),
                    reader.GetInt32(10), reader.GetTime(11)));
            }

            return list;
        }, cancellationToken);

    /// <summary>Stores the sealed receipts of interrupted requests and removes their admissions, in one transaction (a
    /// receipt already stored is kept as it is, so a crash during recovery only repeats it).</summary>
    public Task StoreInterruptedReceiptsAsync(IReadOnlyList<(string RequestId, StoredReceipt Receipt)> sealedReceipts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sealedReceipts);
        return _db.WriteAsync(async (c, tx) =>
        {
            foreach (var (requestId, receipt) in sealedReceipts)
            {
                var insert = _db.Prepared(c, tx, ReceiptsSql.InsertIfNew);
                ReceiptsSql.Bind(insert, receipt);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await _db.Prepared(c, tx, AdmissionsSql.Delete).Add("@request_id", requestId).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken);
    }

    private enum RecoveryScope
    {
        All,
        DeadNodes,
        Listed,
        ThisNode,
    }
}
