using Candor.Core.Accounts;

namespace Candor.UnitTests.Storage;

/// <summary>Crash recovery (docs/fail-closed.md, "Crash"): a request admitted and never settled — the process stopped
/// in between — becomes an <c>interrupted</c> usage record with no charge at the next open; a settled request keeps
/// its own record; the admission records are gone after recovery.</summary>
public sealed class InterruptedRecoveryTests
{
    private static readonly TimeSpan Timeout = TempStore.Timeout;

    [Fact]
    public async Task AdmittedNeverSettled_IsRecordedInterruptedAtTheNextStart_SettledKeepsItsRecord()
    {
        using var t = await TempStore.CreateAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000_000);
        var key = await t.KeyAsync(account.Id);
        var crashed = t.Usage(account.Id, key.Record.Id, "req_crashed", 0) with { Outcome = UsageOutcome.Interrupted, CountedInputTokens = 42 };
        var settled = t.Usage(account.Id, key.Record.Id, "req_settled", 100);
        await t.Store.RecordAdmissionAsync(crashed, CancellationToken.None).WaitAsync(Timeout);
        await t.Store.RecordAdmissionAsync(settled, CancellationToken.None).WaitAsync(Timeout);
        Assert.True(await t.RecordAsync(settled).WaitAsync(Timeout));

        await t.ReopenAsync();
        Assert.Equal(1, await t.Store.RecoverInterruptedAsync(CancellationToken.None).WaitAsync(Timeout));

        var record = await t.Store.GetUsageAsync(account.Id, "req_crashed", CancellationToken.None).WaitAsync(Timeout);
        Assert.NotNull(record);
        Assert.Equal(UsageOutcome.Interrupted, record.Outcome);
        Assert.Equal(0, record.ChargeMicros);
        Assert.Equal(42, record.CountedInputTokens);
        Assert.Equal(BilledSource.None, record.BilledSource);
        var kept = await t.Store.GetUsageAsync(account.Id, "req_settled", CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(settled.Outcome, kept!.Outcome);
        Assert.Equal(100, kept.ChargeMicros);

        // Nothing is left to recover, and the balance only reflects the settled charge.
        Assert.Equal(0, await t.Store.RecoverInterruptedAsync(CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(1_000_000 - 100, await t.Store.GetBalanceAsync(account.Id, CancellationToken.None).WaitAsync(Timeout));
    }
}
