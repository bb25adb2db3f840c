using Candor.Core.Accounts;
using Candor.Storage;

namespace Candor.UnitTests.Storage;

/// <summary>A node's persistent id on a shared store (docs/scale-out.md, "Node ids"): the lease row decides who holds
/// it. A restarted node takes it back from its previous run at once (the instance its data directory names) and
/// recovers that run's admissions; a live holder's id is never taken by anyone else; a process that lost its id never
/// renews or removes its successor's lease. SQLite here, PostgreSQL in <see cref="PostgresNodeIdClaimTests"/>.</summary>
public class NodeIdClaimTests
{
    private static readonly TimeSpan Timeout = TempStore.Timeout;

    private protected virtual Task<TempStore> CreateStoreAsync() => TempStore.CreateAsync();

    [SkippableFact]
    public async Task RestartedNode_TakesItsIdBackAtOnce_AndRecoversItsPreviousRunsAdmissions()
    {
        using var t = await CreateStoreAsync();
        t.Store.ReservesInStore = true;
        var account = await t.AccountAsync("a", topUpMicros: 1_000);
        var key = await t.KeyAsync(account.Id);
        Assert.True(await t.Store.TryClaimNodeAsync("node_persistent", null, CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal("node_persistent", t.Store.NodeId);
        var usage = t.Usage(account.Id, key.Record.Id, "req_previous_run", 0);
        Assert.True(await t.Store.TryReserveAndRecordAdmissionAsync(usage, null, 300, CancellationToken.None).WaitAsync(Timeout));

        // The node is killed and starts again at once: its lease is live for another 30 s.
        using var restarted = await t.OpenSecondAsync();
        restarted.ReservesInStore = true;
        Assert.False(await restarted.TryClaimNodeAsync("node_persistent", null, CancellationToken.None).WaitAsync(Timeout));
        Assert.False(await restarted.TryClaimNodeAsync("node_persistent", "another-instance", CancellationToken.None).WaitAsync(Timeout));
        Assert.NotEqual("node_persistent", restarted.NodeId);
        Assert.True(await restarted.TryClaimNodeAsync("node_persistent", t.Store.Instance, CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal("node_persistent", restarted.NodeId);

        Assert.Equal(1, await restarted.RecoverOwnAsync(CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(UsageOutcome.Interrupted, (await t.Store.GetUsageAsync(account.Id, "req_previous_run", CancellationToken.None))!.Outcome);
        Assert.Equal((0L, 0L), await t.Store.ReservedAsync(account.Id, key.Record.Id, CancellationToken.None));
        Assert.Equal(0, await restarted.RecoverOwnAsync(CancellationToken.None).WaitAsync(Timeout));

        // Were the previous run still alive, it could neither renew nor remove the lease it lost.
        Assert.False(await t.Store.RenewNodeAsync(CancellationToken.None).WaitAsync(Timeout));
        await t.Store.LeaveAsync(CancellationToken.None).WaitAsync(Timeout);
        Assert.True(await restarted.RenewNodeAsync(CancellationToken.None).WaitAsync(Timeout));
        using var third = await t.OpenSecondAsync();
        Assert.False(await third.TryClaimNodeAsync("node_persistent", null, CancellationToken.None).WaitAsync(Timeout));
        Assert.False(await third.TryClaimNodeAsync("node_persistent", t.Store.Instance, CancellationToken.None).WaitAsync(Timeout));
    }

    [SkippableFact]
    public async Task ExpiredLease_IsClaimedByAnyProcess_ALiveOneByNone()
    {
        using var t = await CreateStoreAsync();
        Assert.True(await t.Store.TryClaimNodeAsync("node_x", null, CancellationToken.None).WaitAsync(Timeout));
        using var other = await t.OpenSecondAsync();
        t.Time.Advance(RelationalStore.NodeLease / 2);
        Assert.False(await other.TryClaimNodeAsync("node_x", null, CancellationToken.None).WaitAsync(Timeout));
        t.Time.Advance((RelationalStore.NodeLease / 2) + TimeSpan.FromSeconds(1));
        Assert.True(await other.TryClaimNodeAsync("node_x", null, CancellationToken.None).WaitAsync(Timeout));
        Assert.False(await t.Store.RenewNodeAsync(CancellationToken.None).WaitAsync(Timeout));
    }
}

/// <summary><see cref="NodeIdClaimTests"/> on PostgreSQL (CANDOR_TEST_POSTGRES; skipped without it outside CI).</summary>
public sealed class PostgresNodeIdClaimTests : NodeIdClaimTests
{
    private protected override Task<TempStore> CreateStoreAsync() => TempStore.CreatePostgresAsync();
}
