using Candor.Core.Accounts;
using Candor.Core.Accounts.Redemptions;

namespace Candor.UnitTests.Storage;

public sealed class RedemptionStoreTests
{
    private static readonly TimeSpan Timeout = TempStore.Timeout;
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task HundredConcurrentRedeemsOfOneCode_CreditExactlyOnce()
    {
        using var t = await TempStore.CreateAsync();
        var accounts = new List<Account>();
        for (int i = 0; i < 4; i++)
        {
            accounts.Add(await t.AccountAsync("a" + i));
        }

        var batch = await t.Store.CreateBatchAsync(new RedemptionBatchSpec { AmountMicros = 2_500_000, Count = 1 }, None).WaitAsync(Timeout);
        string code = batch!.Codes[0].Code;

        // Two store instances on one database, as two nodes would be: the conditional claim decides, not the process.
        using var second = await t.OpenSecondAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(() =>
            (i % 2 == 0 ? t.Store : second).RedeemAsync(code, accounts[i % 4].Id, None)))).WaitAsync(Timeout);

        var winner = Assert.Single(results, static r => r.Outcome == RedemptionOutcome.Redeemed);
        Assert.All(results.Where(r => r != winner), static r => Assert.Equal(RedemptionOutcome.AlreadyRedeemed, r.Outcome));
        long total = 0;
        foreach (var account in accounts)
        {
            var summary = await t.Store.GetSummaryAsync(account.Id, None).WaitAsync(Timeout);
            total += summary!.BalanceMicros;
            Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
        }

        Assert.Equal(2_500_000, total);
        var stored = Assert.Single(await t.Store.ListBatchAsync(batch.BatchId, None).WaitAsync(Timeout));
        Assert.Equal(winner.Entry!.AccountId, stored.RedeemedBy);
        Assert.Equal(winner.Entry.Id, stored.LedgerEntryId);
    }

    [Fact]
    public async Task BatchPages_CoverEveryCodeOnce_AndOnlyTheirBatch()
    {
        using var t = await TempStore.CreateAsync();
        var batch = await t.Store.CreateBatchAsync(new RedemptionBatchSpec { AmountMicros = 1_000, Count = 5 }, None).WaitAsync(Timeout);
        await t.Store.CreateBatchAsync(new RedemptionBatchSpec { AmountMicros = 1_000, Count = 3 }, None).WaitAsync(Timeout);
        var listed = new List<string>();
        string? cursor = null;
        int pages = 0;
        do
        {
            var page = await t.Store.ListBatchPageAsync(batch!.BatchId, 2, cursor, None).WaitAsync(Timeout);
            Assert.True(page.Items.Count <= 2);
            Assert.All(page.Items, c => Assert.Equal(batch.BatchId, c.BatchId));
            listed.AddRange(page.Items.Select(static c => c.Id));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(batch!.Codes.Select(static c => c.Id).Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        Assert.Empty((await t.Store.ListBatchPageAsync("rcb_none", 2, null, None).WaitAsync(Timeout)).Items);
        await Assert.ThrowsAsync<ArgumentException>(() => t.Store.ListBatchPageAsync(batch.BatchId, 2, "nope", None));
    }

    [Fact]
    public async Task Codes_AreStoredOnlyAsKeyedHashes_AndKeepTheirTerms()
    {
        using var t = await TempStore.CreateAsync();
        var gold = await t.Store.CreateAccountAsync("gold", "gold", None).WaitAsync(Timeout);
        var plain = await t.AccountAsync("plain");
        var batch = await t.Store.CreateBatchAsync(new RedemptionBatchSpec
        {
            AmountMicros = 1_000_000, Count = 3, Group = "gold", ExpiresAt = t.Time.GetUtcNow().AddDays(1), Note = "launch",
        }, None).WaitAsync(Timeout);
        Assert.Equal(3, batch!.Codes.Select(static c => c.Code).Distinct().Count());
        Assert.All(batch.Codes, static c => Assert.Matches("^cdr-[0-9A-Za-z]{24}$", c.Code));

        Assert.Equal(RedemptionOutcome.NotForAccount, (await t.Store.RedeemAsync(batch.Codes[0].Code, plain.Id, None).WaitAsync(Timeout)).Outcome);
        Assert.Equal(RedemptionOutcome.Unknown, (await t.Store.RedeemAsync(batch.Codes[0].Code + "x", gold.Id, None).WaitAsync(Timeout)).Outcome);
        var redeemed = await t.Store.RedeemAsync("  " + batch.Codes[0].Code + "\n", gold.Id, None).WaitAsync(Timeout);
        Assert.Equal(RedemptionOutcome.Redeemed, redeemed.Outcome);
        Assert.Contains("launch", redeemed.Entry!.Note, StringComparison.Ordinal);
        Assert.Equal(LedgerKind.TopUp, redeemed.Entry.Kind);

        t.Time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(RedemptionOutcome.Expired, (await t.Store.RedeemAsync(batch.Codes[1].Code, gold.Id, None).WaitAsync(Timeout)).Outcome);
        Assert.Equal(1_000_000, await t.Store.GetBalanceAsync(gold.Id, None).WaitAsync(Timeout));

        foreach (string path in Directory.GetFiles(t.Directory, Candor.Storage.SqliteStore.DatabaseFileName + "*"))
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            foreach (var (_, code) in batch.Codes)
            {
                Assert.Equal(-1, copy.ToArray().AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(code)));
            }
        }
    }
}
