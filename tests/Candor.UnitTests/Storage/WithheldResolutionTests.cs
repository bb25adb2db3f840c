using Candor.Core.Accounts;
using Candor.Core.Receipts;
using Candor.Storage;

namespace Candor.UnitTests.Storage;

/// <summary>A request whose answer was withheld (its settlement not confirmed in time) is never charged
/// (docs/fail-closed.md, "A settlement that commits too late"): <see cref="RelationalStore.ResolveWithheldAsync"/> claims
/// an admission still in place (a settlement arriving later writes nothing: no usage, no receipt, no charge), or refunds
/// a settlement that committed, once, with a ledger entry naming the request. SQLite here; PostgreSQL in
/// <see cref="PostgresWithheldResolutionTests"/>.</summary>
public class WithheldResolutionTests
{
    private static readonly TimeSpan Timeout = TempStore.Timeout;

    private protected virtual Task<TempStore> CreateStoreAsync() => TempStore.CreateAsync();

    private static Task<bool> SettleAsync(TempStore t, UsageRecord usage, StoredReceipt? receipt = null) =>
        t.Store.RecordUsageAsync(usage, usage.ChargeMicros == 0 ? null : LedgerEntry.ChargeFor(usage), receipt, CancellationToken.None).WaitAsync(Timeout);

    private static Task AdmitAsync(TempStore t, UsageRecord usage) =>
        t.Store.ReservesInStore
            ? t.Store.TryReserveAndRecordAdmissionAsync(usage with { Outcome = UsageOutcome.Interrupted, ChargeMicros = 0 }, null, 900, CancellationToken.None).WaitAsync(Timeout)
            : t.Store.RecordAdmissionAsync(usage with { Outcome = UsageOutcome.Interrupted, ChargeMicros = 0 }, CancellationToken.None).WaitAsync(Timeout);

    private static StoredReceipt Receipt(TempStore t, string id, string accountId, string keyId) =>
        new(id, "key:" + keyId, accountId, t.Time.GetUtcNow(), "{\"receipt\":1}"u8.ToArray(), null);

    [SkippableFact]
    public async Task SettlementCommittedAfterTheClientWasRefused_RefundedOnce_NetChargeZero()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000);
        var key = await t.KeyAsync(account.Id);
        var late = t.Usage(account.Id, key.Record.Id, "req_late", 400);
        var delivered = t.Usage(account.Id, key.Record.Id, "req_delivered", 100);
        var free = t.Usage(account.Id, key.Record.Id, "req_free", 0);
        foreach (var u in new[] { late, delivered, free })
        {
            await AdmitAsync(t, u);
            Assert.True(await SettleAsync(t, u));
        }

        var first = await t.Store.ResolveWithheldAsync(["req_late", "req_free", "req_nowhere"], CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(new[] { "req_late" }, first.Refunded.ToArray());
        Assert.Equal(new[] { "req_free" }, first.Settled.ToArray());
        Assert.Empty(first.Recovered);
        Assert.False(first.IsResolved("req_nowhere"));

        // Asked again (a round that ran before the node forgot it): nothing refunded twice.
        var second = await t.Store.ResolveWithheldAsync(["req_late"], CancellationToken.None).WaitAsync(Timeout);
        Assert.Empty(second.Refunded);
        Assert.Equal(new[] { "req_late" }, second.Settled.ToArray());

        var ledger = (await t.Store.ListLedgerAsync(account.Id, 50, null, CancellationToken.None)).Items;
        Assert.Equal(0, ledger.Where(static e => e.RequestId == "req_late").Sum(static e => e.AmountMicros));
        var refund = Assert.Single(ledger, static e => e.Kind == LedgerKind.Refund);
        Assert.Equal((key.Record.Id, 400L), (refund.KeyId, refund.AmountMicros));
        Assert.Contains("503 store_unavailable", refund.Note, StringComparison.Ordinal);
        Assert.Equal(-100, ledger.Where(static e => e.RequestId == "req_delivered").Sum(static e => e.AmountMicros));
        var summary = (await t.Store.GetSummaryAsync(account.Id, CancellationToken.None))!;
        Assert.Equal(900, summary.BalanceMicros);
        Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
        Assert.Equal(100, await t.Store.GetKeySpendAsync(key.Record.Id, CancellationToken.None));
    }

    [SkippableFact]
    public async Task AdmissionStillInPlace_Claimed_LateSettlementWritesNoUsageNoReceiptNoCharge()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000);
        var key = await t.KeyAsync(account.Id);
        var slow = t.Usage(account.Id, key.Record.Id, "req_slow", 400);
        await AdmitAsync(t, slow);

        var resolution = await t.Store.ResolveWithheldAsync(["req_slow"], CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(new[] { "req_slow" }, resolution.Recovered.ToArray());

        // The settlement the node stopped waiting for arrives now: the request is recorded (interrupted), so it writes
        // nothing at all — before, its receipt (stating the charge) was stored beside the interrupted usage record.
        Assert.False(await SettleAsync(t, slow, Receipt(t, "rcpt_slow", account.Id, key.Record.Id)));
        Assert.Null(await t.Store.GetAsync("rcpt_slow", CancellationToken.None));
        Assert.Equal(UsageOutcome.Interrupted, (await t.Store.GetUsageAsync(account.Id, "req_slow", CancellationToken.None))!.Outcome);
        Assert.Equal(1_000, await t.Store.GetBalanceAsync(account.Id, CancellationToken.None));
        Assert.Equal(0, await t.Store.GetKeySpendAsync(key.Record.Id, CancellationToken.None));
        Assert.Equal((0L, 0L), await t.Store.ReservedAsync(account.Id, key.Record.Id, CancellationToken.None));
        Assert.Empty((await t.Store.ResolveWithheldAsync(["req_slow"], CancellationToken.None).WaitAsync(Timeout)).Refunded);
    }
}

/// <summary><see cref="WithheldResolutionTests"/> on PostgreSQL (CANDOR_TEST_POSTGRES; skipped without it outside CI),
/// where money is reserved in the store.</summary>
public sealed class PostgresWithheldResolutionTests : WithheldResolutionTests
{
    private protected override Task<TempStore> CreateStoreAsync() => TempStore.CreatePostgresAsync();
}
