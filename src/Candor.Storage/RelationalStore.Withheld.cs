using System.Globalization;
using Candor.Core.Accounts;
using Candor.Storage.Sqlite;

namespace Candor.Storage;

/// <summary>Requests whose answer this node withheld (503 <c>store_unavailable</c>, or a stream's error event) because it
/// could not confirm their settlement in time, while the settlement's transaction may still have committed
/// (docs/fail-closed.md, "A settlement that commits too late").</summary>
internal abstract partial class RelationalStore
{
    /// <summary>Makes sure none of <paramref name="requestIds"/> — requests whose client was refused the answer — is
    /// charged. An admission still in place is claimed first (<see cref="RecoverAbandonedAsync"/>: recorded
    /// <c>interrupted</c>, its reservation released; a settlement arriving later then writes nothing). A request whose
    /// settlement committed with a charge gets one refund of that charge, naming the request, in one transaction with the
    /// check that it has none yet: its usage record and receipt stay as written (the log is append-only), and the balance,
    /// the key's spend and the ledger show the charge voided. A request found nowhere (an admission write that may still
    /// land) is in no set: the caller asks again.</summary>
    public async Task<WithheldResolution> ResolveWithheldAsync(IReadOnlyCollection<string> requestIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requestIds);
        var recovered = await RecoverAbandonedAsync(requestIds, cancellationToken).ConfigureAwait(false);
        var refunded = new HashSet<string>(StringComparer.Ordinal);
        var settled = new HashSet<string>(StringComparer.Ordinal);
        var rest = requestIds.Where(id => !recovered.Contains(id)).ToList();
        if (rest.Count > 0)
        {
            var now = Now();
            await _db.WriteAsync(async (c, tx) =>
            {
                foreach (string requestId in rest)
                {
                    (string Account, string Key, long Charge)? usage = null;
                    using (var select = Command(c, tx, WithheldSql.SelectUsage).Add("@request_id", requestId))
                    using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                    {
                        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            usage = (reader.GetString(0), reader.GetString(1), reader.GetInt64(2));
                        }
                    }

                    if (usage is not { } found)
                    {
                        continue;
                    }

                    using var count = Command(c, tx, WithheldSql.CountRefunds).Add("@request_id", requestId);
                    if (found.Charge == 0 || await ScalarInt64Async(count, cancellationToken).ConfigureAwait(false) > 0)
                    {
                        settled.Add(requestId);
                        continue;
                    }

                    var refund = new LedgerEntry
                    {
                        Id = EntityIds.NewSequential(EntityIds.Ledger, now),
                        AccountId = found.Account,
                        KeyId = found.Key,
                        RequestId = requestId,
                        Kind = LedgerKind.Refund,
                        AmountMicros = found.Charge,
                        CreatedAt = now,
                        Note = string.Create(CultureInfo.InvariantCulture,
                            $"void: the settlement committed after its client was refused the answer (503 store_unavailable); charge {found.Charge} refunded"),
                    };
                    if (await ApplyEntryAsync(c, tx, refund, cancellationToken).ConfigureAwait(false))
                    {
                        refunded.Add(requestId);
                    }
                }

                return true;
            }, cancellationToken).ConfigureAwait(false);
        }

        return new WithheldResolution(recovered, refunded, settled);
    }
}
