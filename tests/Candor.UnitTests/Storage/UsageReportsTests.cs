using Candor.Core.Accounts;

namespace Candor.UnitTests.Storage;

/// <summary>The report queries and key owners (<see cref="IUsageReports"/>, <see cref="Candor.Core.WebConsole.IKeyOwners"/>):
/// SQLite here, PostgreSQL in <see cref="PostgresUsageReportsTests"/> — the bucket arithmetic, positional GROUP BY
/// and BIGINT casts must give the same answers on both.</summary>
public class UsageReportsTests
{
    private protected virtual Task<TempStore> CreateStoreAsync() => TempStore.CreateAsync();

    private static readonly TimeSpan Timeout = TempStore.Timeout;
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [SkippableFact]
    public async Task Series_SumsPerBucket_CountsErrors_AndBinsLatency()
    {
        using var t = await CreateStoreAsync();
        var a = await t.AccountAsync("a", topUpMicros: 1_000_000);
        var b = await t.AccountAsync("b", topUpMicros: 1_000_000);
        var key = await t.KeyAsync(a.Id);
        var other = await t.KeyAsync(b.Id);
        Assert.True(await t.RecordAsync(t.Usage(a.Id, key.Record.Id, "req_1", 100, T0.AddMinutes(5)) with { DurationMs = 20 }));
        Assert.True(await t.RecordAsync(t.Usage(a.Id, key.Record.Id, "req_2", 200, T0.AddMinutes(50)) with { DurationMs = 160, Outcome = UsageOutcome.Partial }));
        Assert.True(await t.RecordAsync(t.Usage(a.Id, key.Record.Id, "req_3", 300, T0.AddHours(3)) with { DurationMs = 400_000, ReportedInputTokens = null }));
        Assert.True(await t.RecordAsync(t.Usage(b.Id, other.Record.Id, "req_4", 400, T0.AddMinutes(10)) with { DurationMs = 20 }));

        var all = await t.Store.GetUsageSeriesAsync(T0, T0.AddHours(4), TimeSpan.FromHours(1), null, None).WaitAsync(Timeout);
        Assert.Equal([T0, T0.AddHours(3)], all.Select(x => x.Start));
        Assert.Equal(3, all[0].Requests);
        Assert.Equal(1, all[0].Errors);
        Assert.Equal(700, all[0].ChargeMicros);
        Assert.Equal(300, all[0].InputTokens);
        Assert.Equal(60, all[0].OutputTokens);
        Assert.Equal(25, all[0].LatencyPercentileMs(0.5));
        Assert.Equal(200, all[0].LatencyPercentileMs(0.99));
        Assert.Equal(101, all[1].InputTokens); // counted when none was reported
        Assert.Equal(300_000, all[1].LatencyPercentileMs(0.5)); // above the last bound: reported as that bound

        var one = await t.Store.GetUsageSeriesAsync(T0, T0.AddHours(4), TimeSpan.FromHours(1), b.Id, None).WaitAsync(Timeout);
        Assert.Equal(400, Assert.Single(one).ChargeMicros);
        Assert.Empty(await t.Store.GetUsageSeriesAsync(T0.AddHours(5), T0.AddHours(6), TimeSpan.FromMinutes(1), null, None).WaitAsync(Timeout));
    }

    [SkippableFact]
    public async Task FilteredPages_CombineFilters_AndOwnersNarrowToTheirKeys()
    {
        using var t = await CreateStoreAsync();
        var a = await t.AccountAsync("a", topUpMicros: 1_000_000);
        var mine = await t.KeyAsync(a.Id);
        var theirs = await t.KeyAsync(a.Id);
        for (int i = 0; i < 9; i++)
        {
            var key = i % 3 == 0 ? theirs : mine;
            Assert.True(await t.RecordAsync(t.Usage(a.Id, key.Record.Id, $"req_{i}", 10, T0.AddMinutes(i)) with
            {
                RequestedModel = i % 2 == 0 ? "even" : "odd",
                Outcome = i == 4 ? UsageOutcome.Failed : UsageOutcome.Complete,
            }));
        }

        await t.Store.SetKeyOwnerAsync(a.Id, mine.Record.Id, "bob", None).WaitAsync(Timeout);
        Assert.Equal("bob", await t.Store.GetKeyOwnerAsync(a.Id, mine.Record.Id, None).WaitAsync(Timeout));
        Assert.Null(await t.Store.GetKeyOwnerAsync("acct_other", mine.Record.Id, None).WaitAsync(Timeout));
        Assert.Equal([mine.Record.Id], await t.Store.ListOwnedKeysAsync(a.Id, "bob", None).WaitAsync(Timeout));

        async Task<List<string>> AllAsync(UsageFilter filter)
        {
            var ids = new List<string>();
            string? cursor = null;
            do
            {
                var page = await t.Store.ListUsageFilteredAsync(a.Id, filter, 2, cursor, None).WaitAsync(Timeout);
                ids.AddRange(page.Items.Select(u => u.RequestId));
                cursor = page.NextCursor;
            }
            while (cursor is not null);
            return ids;
        }

        Assert.Equal(["req_8", "req_7", "req_5", "req_4", "req_2", "req_1"], await AllAsync(new UsageFilter { OwnerPrincipal = "bob" }));
        Assert.Equal(["req_8", "req_4", "req_2"], await AllAsync(new UsageFilter { OwnerPrincipal = "bob", Model = "even" }));
        Assert.Equal(["req_4"], await AllAsync(new UsageFilter { Outcome = UsageOutcome.Failed }));
        Assert.Equal(["req_5", "req_4", "req_3"], await AllAsync(new UsageFilter { From = T0.AddMinutes(3), To = T0.AddMinutes(6) }));
        Assert.Equal(["req_6", "req_3", "req_0"], await AllAsync(new UsageFilter { KeyId = theirs.Record.Id }));
        Assert.Empty(await AllAsync(new UsageFilter { OwnerPrincipal = "nobody" }));
        Assert.Equal(9, (await AllAsync(UsageFilter.None)).Count);
    }
}

public sealed class PostgresUsageReportsTests : UsageReportsTests
{
    private protected override Task<TempStore> CreateStoreAsync() => TempStore.CreatePostgresAsync();
}
