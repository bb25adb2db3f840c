using Candor.Core.Accounts;

namespace Candor.UnitTests.Storage;

public class LedgerTests
{
    /// <summary>The store under test: SQLite here, PostgreSQL in <see cref="PostgresLedgerTests"/>.</summary>
    private protected virtual Task<TempStore> CreateStoreAsync() => TempStore.CreateAsync();

    private static readonly TimeSpan Timeout = TempStore.Timeout;
    private static readonly CancellationToken None = CancellationToken.None;

    [SkippableFact]
    public async Task ConcurrentRecordUsage_BalanceEqualsTopUpsMinusCharges()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a", topUpMicros: 10_000_000);
        var key = await t.KeyAsync(account.Id);

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() =>
            t.RecordAsync(t.Usage(account.Id, key.Record.Id, $"req_{i:D3}", 1_000 + i))))).WaitAsync(Timeout);

        Assert.All(results, Assert.True);
        long charges = Enumerable.Range(0, 200).Sum(i => 1_000L + i);
        var summary = await t.Store.GetSummaryAsync(account.Id, None).WaitAsync(Timeout);
        Assert.NotNull(summary);
        Assert.Equal(10_000_000 - charges, summary.BalanceMicros);
        Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
        Assert.Equal(10_000_000, summary.TopUpMicros);
        Assert.Equal(charges, summary.ChargedMicros);
        Assert.Equal(charges, summary.UsageChargeMicros);
        Assert.Equal(200, summary.UsageCount);
        Assert.Equal(charges, await t.Store.GetKeySpendAsync(key.Record.Id, None).WaitAsync(Timeout));
    }

    [SkippableFact]
    public async Task EntriesOfOneMillisecond_ListNewestFirst_InTheOrderTheyWereWritten()
    {
        // The store's clock does not move: every entry has the same created_at, so only the ids order them.
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a");
        var key = await t.KeyAsync(account.Id);
        var written = new List<string>();
        for (int i = 0; i < 12; i++)
        {
            var entry = await t.Store.TopUpAsync(account.Id, 1_000 + i, $"top-up {i}", None).WaitAsync(Timeout);
            written.Add(entry!.Id);
            Assert.True(await t.RecordAsync(t.Usage(account.Id, key.Record.Id, $"req_{i:D2}", 1 + i)));
            written.Add((await t.Store.ListLedgerAsync(account.Id, 1, null, None).WaitAsync(Timeout)).Items[0].Id);
        }

        var listed = new List<string>();
        string? cursor = null;
        do
        {
            var page = await t.Store.ListLedgerAsync(account.Id, 5, cursor, None).WaitAsync(Timeout);
            listed.AddRange(page.Items.Select(e => e.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(Enumerable.Reverse(written), listed);
    }

    [SkippableFact]
    public async Task SameRequestTwice_IsRecordedAndChargedOnce()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000);
        var key = await t.KeyAsync(account.Id);
        var usage = t.Usage(account.Id, key.Record.Id, "req_1", 300);

        Assert.True(await t.RecordAsync(usage));
        Assert.False(await t.RecordAsync(usage));

        Assert.Equal(700, await t.Store.GetBalanceAsync(account.Id, None).WaitAsync(Timeout));
        Assert.Equal(2, (await t.Store.ListLedgerAsync(account.Id, 10, null, None).WaitAsync(Timeout)).Items.Count);
    }

    [SkippableFact]
    public async Task UsageRecord_KeepsAbsentApartFromZero()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a");
        var key = await t.KeyAsync(account.Id);
        var usage = t.Usage(account.Id, key.Record.Id, "req_1", 0) with
        {
            ReportedModel = null,
            ChannelId = null,
            Outcome = UsageOutcome.Cancelled,
            ReportedInputTokens = null,
            ReportedOutputTokens = 0,
            ReportedCachedInputTokens = null,
            ReportedCacheWriteTokens = 0,
            ReportedReasoningTokens = 7,
            ReportedTotalTokens = null,
            CountedInputTokens = 12,
            CountedOutputTokens = null,
        };

        Assert.True(await t.RecordAsync(usage));

        Assert.Equal(usage, await t.Store.GetUsageAsync(account.Id, "req_1", None).WaitAsync(Timeout));
        Assert.Equal(0, await t.Store.GetBalanceAsync(account.Id, None).WaitAsync(Timeout));
        Assert.Empty((await t.Store.ListLedgerAsync(account.Id, 10, null, None).WaitAsync(Timeout)).Items);
    }

    [SkippableFact]
    public async Task Paging_VisitsEveryRowOnceNewestFirst()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a");
        var key = await t.KeyAsync(account.Id);
        var start = t.Time.GetUtcNow();
        for (int i = 0; i < 25; i++)
        {
            // Pairs share a millisecond so the id breaks ties.
            Assert.True(await t.RecordAsync(t.Usage(account.Id, key.Record.Id, $"req_{i:D2}", 1, start.AddMilliseconds(i / 2))));
        }

        var seen = new List<string>();
        string? cursor = null;
        int pages = 0;
        do
        {
            var page = await t.Store.ListUsageAsync(account.Id, key.Record.Id, 7, cursor, None).WaitAsync(Timeout);
            seen.AddRange(page.Items.Select(u => u.RequestId));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(4, pages);
        Assert.Equal(Enumerable.Range(0, 25).Reverse().Select(i => $"req_{i:D2}"), seen);
        await Assert.ThrowsAsync<ArgumentException>(() => t.Store.ListUsageAsync(account.Id, null, 7, "garbage", None).WaitAsync(Timeout));
    }

    [SkippableFact]
    public async Task RefundsAndAdjustments_MoveBalanceAndSpend()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000);
        var key = await t.KeyAsync(account.Id);
        Assert.True(await t.RecordAsync(t.Usage(account.Id, key.Record.Id, "req_1", 400)));

        Assert.True(await t.Store.AppendAsync(new LedgerEntry
        {
            Id = EntityIds.New(EntityIds.Ledger), AccountId = account.Id, KeyId = key.Record.Id, RequestId = "req_1",
            Kind = LedgerKind.Refund, AmountMicros = 150, CreatedAt = t.Time.GetUtcNow(), Note = "partial refund",
        }, None).WaitAsync(Timeout));
        Assert.True(await t.Store.AppendAsync(new LedgerEntry
        {
            Id = EntityIds.New(EntityIds.Ledger), AccountId = account.Id, Kind = LedgerKind.Adjustment, AmountMicros = -50, CreatedAt = t.Time.GetUtcNow(),
        }, None).WaitAsync(Timeout));
        Assert.False(await t.Store.AppendAsync(new LedgerEntry
        {
            Id = EntityIds.New(EntityIds.Ledger), AccountId = "acct_missing", Kind = LedgerKind.TopUp, AmountMicros = 5, CreatedAt = t.Time.GetUtcNow(),
        }, None).WaitAsync(Timeout));
        Assert.Null(await t.Store.TopUpAsync("acct_missing", 5, "", None).WaitAsync(Timeout));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => t.Store.TopUpAsync(account.Id, 0, "", None).WaitAsync(Timeout));

        var summary = await t.Store.GetSummaryAsync(account.Id, None).WaitAsync(Timeout);
        Assert.Equal(new LedgerSummary(700, 700, 1_000, 400, 150, -50, 400, 1), summary);
        Assert.Equal(250, await t.Store.GetKeySpendAsync(key.Record.Id, None).WaitAsync(Timeout));
        Assert.Null(await t.Store.GetSummaryAsync("acct_missing", None).WaitAsync(Timeout));
    }
}
