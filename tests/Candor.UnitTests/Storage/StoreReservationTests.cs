using Candor.Core.Accounts;
using Candor.Storage;

namespace Candor.UnitTests.Storage;

/// <summary>Money reserved in the store (docs/scale-out.md, "Money across nodes"): the admission record's write reserves
/// atomically against the balance less every node's reservations and the key's budget less its spend and reservations,
/// the settlement's transaction releases it, and recovery — of a dead node's admissions or of a request whose settlement
/// failed — releases it exactly once. On SQLite here (the store told to reserve in store), on PostgreSQL in
/// <see cref="PostgresStoreReservationTests"/>, where it is the default.</summary>
public class StoreReservationTests
{
    private static readonly TimeSpan Timeout = TempStore.Timeout;

    /// <summary>The store under test: SQLite here, PostgreSQL in <see cref="PostgresStoreReservationTests"/>.</summary>
    private protected virtual Task<TempStore> CreateStoreAsync() => TempStore.CreateAsync();

    private async Task<TempStore> CreateReservingAsync()
    {
        var t = await CreateStoreAsync();
        t.Store.ReservesInStore = true;
        return t;
    }

    private static async Task<RelationalStore> ReservingSecondAsync(TempStore t)
    {
        var second = await t.OpenSecondAsync();
        second.ReservesInStore = true;
        return second;
    }

    private static Task<bool> AdmitAsync(RelationalStore store, UsageRecord usage, long reserve) =>
        store.TryReserveAndRecordAdmissionAsync(usage with { Outcome = UsageOutcome.Interrupted, ChargeMicros = 0 }, null, reserve, CancellationToken.None).WaitAsync(Timeout);

    private static Task<bool> SettleAsync(RelationalStore store, UsageRecord usage) =>
        store.RecordUsageAsync(usage, usage.ChargeMicros == 0 ? null : LedgerEntry.ChargeFor(usage), CancellationToken.None).WaitAsync(Timeout);

    [SkippableFact]
    public async Task Reservation_RefusedWhenTheBalanceLessReservationsDoesNotCoverIt_ReleasedBySettlement()
    {
        using var t = await CreateReservingAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000);
        var key = await t.KeyAsync(account.Id);
        var first = t.Usage(account.Id, key.Record.Id, "req_1", 500);
        Assert.True(await AdmitAsync(t.Store, first, 600));
        Assert.False(await AdmitAsync(t.Store, t.Usage(account.Id, key.Record.Id, "req_2", 0), 401));
        Assert.Equal((600L, 600L), await t.Store.ReservedAsync(account.Id, key.Record.Id, CancellationToken.None));

        // A refused admission records nothing: only the first is held.
        Assert.Equal((1L, 600L), await t.Store.HeldByNodeAsync(CancellationToken.None));

        Assert.True(await SettleAsync(t.Store, first));
        Assert.Equal((0L, 0L), await t.Store.ReservedAsync(account.Id, key.Record.Id, CancellationToken.None));
        Assert.Equal(500, await t.Store.GetBalanceAsync(account.Id, CancellationToken.None));
        Assert.True(await AdmitAsync(t.Store, t.Usage(account.Id, key.Record.Id, "req_3", 0), 500));
        Assert.False(await AdmitAsync(t.Store, t.Usage(account.Id, key.Record.Id, "req_4", 0), 1));
    }

    [SkippableFact]
    public async Task KeyBudget_CountsSpendAndReservations_RefusalHoldsNothingOnTheAccount()
    {
        using var t = await CreateReservingAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000_000);
        var key = await t.KeyAsync(account.Id, new ApiKeyLimits { BudgetMicros = 1_000 });
        var first = t.Usage(account.Id, key.Record.Id, "req_1", 300);
        Assert.True(await AdmitAsync(t.Store, first, 400));
        Assert.True(await SettleAsync(t.Store, first));
        Assert.True(await AdmitAsync(t.Store, t.Usage(account.Id, key.Record.Id, "req_2", 0), 700));

        // 1000 - 300 spent - 700 held = 0 left on the key; the account had plenty, and holds nothing for the refusal.
        Assert.False(await AdmitAsync(t.Store, t.Usage(account.Id, key.Record.Id, "req_3", 0), 1));
        Assert.Equal((700L, 700L), await t.Store.ReservedAsync(account.Id, key.Record.Id, CancellationToken.None));
    }

    [SkippableFact]
    public async Task TwoNodesReservingAtOnce_NeverHoldMoreThanTheBalance_AndSettleToTheLedger()
    {
        using var t = await CreateReservingAsync();
        using var second = await ReservingSecondAsync(t);
        var account = await t.AccountAsync("a", topUpMicros: 5_000);
        var key = await t.KeyAsync(account.Id);
        var nodes = new[] { t.Store, second };
        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            var usage = t.Usage(account.Id, key.Record.Id, $"req_{i:D3}", 80);
            var node = nodes[i % 2];
            return (Usage: usage, Node: node, Held: await AdmitAsync(node, usage, 100));
        }))).WaitAsync(Timeout);

        Assert.Equal(50, results.Count(r => r.Held));
        Assert.Equal((5_000L, 5_000L), await t.Store.ReservedAsync(account.Id, key.Record.Id, CancellationToken.None));
        await Task.WhenAll(results.Where(r => r.Held).Select(r => SettleAsync(r.Node, r.Usage))).WaitAsync(Timeout);

        var summary = (await t.Store.GetSummaryAsync(account.Id, CancellationToken.None))!;
        Assert.Equal(5_000 - (50 * 80), summary.BalanceMicros);
        Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
        Assert.Equal(50, summary.UsageCount);
        Assert.Equal((0L, 0L), await t.Store.ReservedAsync(account.Id, key.Record.Id, CancellationToken.None));
        Assert.Equal(50 * 80, await t.Store.GetKeySpendAsync(key.Record.Id, CancellationToken.None));
    }

    [SkippableFact]
    public async Task DeadNodesAdmissions_RecoveredOnlyAfterItsLease_ReleasedOnce_LateSettlementChargesNothing()
    {
        using var t = await CreateReservingAsync();
        using var other = await ReservingSecondAsync(t);
        var account = await t.AccountAsync("a", topUpMicros: 1_000);
        var key = await t.KeyAsync(account.Id);
        await t.Store.RenewNodeAsync(CancellationToken.None).WaitAsync(Timeout);
        await other.RenewNodeAsync(CancellationToken.None).WaitAsync(Timeout);
        var mine = t.Usage(account.Id, key.Record.Id, "req_mine", 200);
        var theirs = t.Usage(account.Id, key.Record.Id, "req_theirs", 200);
        Assert.True(await AdmitAsync(t.Store, mine, 300));
        Assert.True(await AdmitAsync(other, theirs, 300));

        // Both leases are fresh: nobody's in-flight request is taken.
        Assert.Equal(0, await t.Store.RecoverDeadNodesAsync(CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(0, await other.RecoverDeadNodesAsync(CancellationToken.None).WaitAsync(Timeout));

        // The other node stops renewing; this one goes on. Past the lease, its admission is recovered, by either node once.
        t.Time.Advance(RelationalStore.NodeLease / 2);
        await t.Store.RenewNodeAsync(CancellationToken.None).WaitAsync(Timeout);
        t.Time.Advance((RelationalStore.NodeLease / 2) + TimeSpan.FromSeconds(1));
        await t.Store.RenewNodeAsync(CancellationToken.None).WaitAsync(Timeout);
        var recovered = await Task.WhenAll(t.Store.RecoverDeadNodesAsync(CancellationToken.None), other.RecoverDeadNodesAsync(CancellationToken.None)).WaitAsync(Timeout);
        Assert.Equal(1, recovered.Sum());
        var record = await t.Store.GetUsageAsync(account.Id, "req_theirs", CancellationToken.None);
        Assert.Equal(UsageOutcome.Interrupted, record!.Outcome);
        Assert.Equal((300L, 300L), await t.Store.ReservedAsync(account.Id, key.Record.Id, CancellationToken.None));
        Assert.Null(await t.Store.GetUsageAsync(account.Id, "req_mine", CancellationToken.None));

        // The node was only slow: its late settlement finds the request recorded, charges nothing, releases nothing twice.
        Assert.False(await SettleAsync(other, theirs));
        Assert.True(await SettleAsync(t.Store, mine));
        Assert.Equal((0L, 0L), await t.Store.ReservedAsync(account.Id, key.Record.Id, CancellationToken.None));
        var summary = (await t.Store.GetSummaryAsync(account.Id, CancellationToken.None))!;
        Assert.Equal(800, summary.BalanceMicros);
        Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
    }

    [SkippableFact]
    public async Task AbandonedRequest_RecoveredOnce_ItsReservationReleased_UnknownIdsIgnored()
    {
        using var t = await CreateReservingAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000);
        var key = await t.KeyAsync(account.Id);
        var usage = t.Usage(account.Id, key.Record.Id, "req_failed", 0);
        Assert.True(await AdmitAsync(t.Store, usage, 900));
        Assert.Equal((1L, 900L), await t.Store.HeldByNodeAsync(CancellationToken.None));

        var first = await t.Store.RecoverAbandonedAsync(["req_failed", "req_unknown"], CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(new[] { "req_failed" }, first.ToArray());
        Assert.Empty(await t.Store.RecoverAbandonedAsync(["req_failed"], CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal((0L, 0L), await t.Store.ReservedAsync(account.Id, key.Record.Id, CancellationToken.None));
        Assert.Equal((0L, 0L), await t.Store.HeldByNodeAsync(CancellationToken.None));
        Assert.Equal(UsageOutcome.Interrupted, (await t.Store.GetUsageAsync(account.Id, "req_failed", CancellationToken.None))!.Outcome);
        Assert.Equal(1_000, await t.Store.GetBalanceAsync(account.Id, CancellationToken.None));
    }
}

/// <summary><see cref="StoreReservationTests"/> on PostgreSQL (CANDOR_TEST_POSTGRES; skipped without it outside CI).</summary>
public sealed class PostgresStoreReservationTests : StoreReservationTests
{
    private protected override Task<TempStore> CreateStoreAsync() => TempStore.CreatePostgresAsync();
}
