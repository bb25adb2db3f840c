using Candor.Core.Accounts;
using Candor.Core.Accounts.Redemptions;
using Candor.Core.Privacy;

namespace Candor.UnitTests.Storage;

/// <summary>The console's server-side pages and shared counters through the store (<see cref="Candor.Core.WebConsole.IConsoleLists"/>,
/// <see cref="IPrivacyStore.ListHistoryPageAsync"/>, <see cref="Candor.Core.WebConsole.IKeyOwners.CreateOwnedKeyAsync"/>,
/// <see cref="Candor.Core.WebConsole.IAttemptCounters"/>): every row once across pages, in order, ties in time broken by
/// id; an owner's keys narrowed in the query; a key and its owner written together; attempt counters shared by two
/// stores on one database (two nodes). PostgreSQL in <see cref="PostgresConsoleListsStoreTests"/>.</summary>
public class ConsoleListsStoreTests
{
    private protected virtual Task<TempStore> CreateStoreAsync() => TempStore.CreateAsync();

    private static readonly TimeSpan Timeout = TempStore.Timeout;
    private static readonly CancellationToken None = CancellationToken.None;

    [SkippableFact]
    public async Task MembersPages_WalkEveryMemberOnce_InPrincipalOrder()
    {
        using var t = await CreateStoreAsync();
        var a = await t.AccountAsync("a");
        var other = await t.AccountAsync("other");
        string[] principals = ["zed@x.example", "ann@x.example", "bob@x.example", "cy@x.example", "dee@x.example", "eve@x.example", "Ann@x.example"];
        foreach (string p in principals)
        {
            Assert.True(await t.Store.SetMemberAsync(a.Id, p, AccountRole.Member, None).WaitAsync(Timeout));
        }

        Assert.True(await t.Store.SetMemberAsync(other.Id, "intruder@x.example", AccountRole.Owner, None).WaitAsync(Timeout));

        var seen = new List<string>();
        string? cursor = null;
        int pages = 0;
        do
        {
            var page = await t.Store.ListMembersPageAsync(a.Id, 3, cursor, None).WaitAsync(Timeout);
            Assert.True(page.Items.Count <= 3);
            seen.AddRange(page.Items.Select(m => m.Principal));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(principals.Order(StringComparer.Ordinal), seen);
    }

    [SkippableFact]
    public async Task KeysPages_AreNewestFirst_TiesByIdAndAnOwnerSeesOnlyItsKeys()
    {
        using var t = await CreateStoreAsync();
        var a = await t.AccountAsync("a");
        var b = await t.AccountAsync("b");
        var owned = new List<string>();
        var all = new List<(DateTimeOffset At, string Id)>();
        for (int i = 0; i < 7; i++)
        {
            // Pairs of keys share a millisecond, so the cursor's id half must separate them.
            if (i % 2 == 0)
            {
                t.Time.Advance(TimeSpan.FromSeconds(1));
            }

            var key = i % 3 == 0
                ? await t.KeyAsync(a.Id)
                : await t.Store.CreateOwnedKeyAsync(a.Id, "member key " + i, ApiKeyLimits.None, "m@x.example", None).WaitAsync(Timeout);
            Assert.NotNull(key);
            if (i % 3 != 0)
            {
                owned.Add(key.Record.Id);
            }

            all.Add((key.Record.CreatedAt, key.Record.Id));
        }

        await t.KeyAsync(b.Id);
        var expected = all.OrderByDescending(k => k.At).ThenByDescending(k => k.Id, StringComparer.Ordinal).Select(k => k.Id).ToList();
        Assert.Equal(expected, await WalkKeysAsync(t, a.Id, null, 2));
        Assert.Equal(expected.Where(owned.Contains).ToList(), await WalkKeysAsync(t, a.Id, "m@x.example", 2));
        Assert.Empty(await WalkKeysAsync(t, a.Id, "nobody@x.example", 2));
    }

    [SkippableFact]
    public async Task OwnedKey_IsCreatedWithItsOwner_AndNotForAMissingAccount()
    {
        using var t = await CreateStoreAsync();
        var a = await t.AccountAsync("a");
        var created = await t.Store.CreateOwnedKeyAsync(a.Id, "mine", ApiKeyLimits.None, "m@x.example", None).WaitAsync(Timeout);
        Assert.NotNull(created);
        Assert.Equal("m@x.example", await t.Store.GetKeyOwnerAsync(a.Id, created.Record.Id, None).WaitAsync(Timeout));
        Assert.NotNull(await t.Store.GetByHashAsync(t.Hasher.Hash(created.PlaintextKey), None).WaitAsync(Timeout));

        Assert.Null(await t.Store.CreateOwnedKeyAsync("acct_missing", "x", ApiKeyLimits.None, "m@x.example", None).WaitAsync(Timeout));
        Assert.Single(await t.Store.ListKeysAsync(a.Id, None).WaitAsync(Timeout));
        Assert.Empty(await t.Store.ListKeysAsync("acct_missing", None).WaitAsync(Timeout));
    }

    [SkippableFact]
    public async Task HistoryPages_WalkEveryEntryOnce_NewestFirst_OfOneAccountOnly()
    {
        using var t = await CreateStoreAsync();
        var a = await t.AccountAsync("a");
        var b = await t.AccountAsync("b");
        var key = await t.Store.AddHistoryKeyAsync(new HistoryDataKey("hkey_a", a.Id, [1, 2, 3]), None).WaitAsync(Timeout);
        await t.Store.AddHistoryKeyAsync(new HistoryDataKey("hkey_b", b.Id, [4, 5, 6]), None).WaitAsync(Timeout);
        var at = t.Time.GetUtcNow();
        var entries = Enumerable.Range(0, 5)
            .Select(i => new HistoryEntry($"hist_{i}", a.Id, key.Id, $"req_{i}", at.AddSeconds(i / 2), at.AddDays(1), [(byte)i]))
            .Append(new HistoryEntry("hist_b", b.Id, "hkey_b", "req_b", at, at.AddDays(1), [9]))
            .ToList();
        await t.Store.AppendHistoryAsync(entries, None).WaitAsync(Timeout);

        var seen = new List<string>();
        string? cursor = null;
        for (int pages = 0; pages < 10; pages++)
        {
            var page = await ((IPrivacyStore)t.Store).ListHistoryPageAsync(a.Id, 2, cursor, None).WaitAsync(Timeout);
            seen.AddRange(page.Items.Select(e => e.Id));
            if ((cursor = page.NextCursor) is null)
            {
                break;
            }
        }

        Assert.Equal(["hist_4", "hist_3", "hist_2", "hist_1", "hist_0"], seen);
    }

    [SkippableFact]
    public async Task AttemptCounters_AreSharedByTwoNodes_AndRestartAfterTheWindow()
    {
        using var t = await CreateStoreAsync();
        using var second = await t.OpenSecondAsync();
        var window = TimeSpan.FromMinutes(15);
        var start = t.Time.GetUtcNow();
        for (int i = 0; i < 3; i++)
        {
            await t.Store.CountAttemptAsync("signin:p\nann", t.Time.GetUtcNow(), window, None).WaitAsync(Timeout);
            await second.CountAttemptAsync("signin:p\nann", t.Time.GetUtcNow(), window, None).WaitAsync(Timeout);
            t.Time.Advance(TimeSpan.FromMinutes(1));
        }

        // Six failures counted on two nodes are six on either: the allowance is not multiplied.
        var counted = await second.GetAttemptsAsync("signin:p\nann", t.Time.GetUtcNow(), None).WaitAsync(Timeout);
        Assert.Equal(new Candor.Core.WebConsole.AttemptCount(start, 6), counted);
        Assert.Null(await t.Store.GetAttemptsAsync("signin:p\nbob", t.Time.GetUtcNow(), None).WaitAsync(Timeout));

        // Once the window has ended the count is gone, and the next failure starts a new window.
        t.Time.Advance(window);
        Assert.Null(await t.Store.GetAttemptsAsync("signin:p\nann", t.Time.GetUtcNow(), None).WaitAsync(Timeout));
        await second.CountAttemptAsync("signin:p\nann", t.Time.GetUtcNow(), window, None).WaitAsync(Timeout);
        Assert.Equal(new Candor.Core.WebConsole.AttemptCount(t.Time.GetUtcNow(), 1),
            await t.Store.GetAttemptsAsync("signin:p\nann", t.Time.GetUtcNow(), None).WaitAsync(Timeout));

        await t.Store.ForgetAttemptsAsync("signin:p\nann", None).WaitAsync(Timeout);
        Assert.Null(await second.GetAttemptsAsync("signin:p\nann", t.Time.GetUtcNow(), None).WaitAsync(Timeout));
    }

    [SkippableFact]
    public async Task AttemptCounters_CountEveryConcurrentFailure()
    {
        using var t = await CreateStoreAsync();
        using var second = await t.OpenSecondAsync();
        var now = t.Time.GetUtcNow();
        var window = TimeSpan.FromMinutes(15);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? t.Store : second).CountAttemptAsync("signin:a\n10.0.0.1", now, window, None).WaitAsync(Timeout)));
        Assert.Equal(20, (await t.Store.GetAttemptsAsync("signin:a\n10.0.0.1", now, None).WaitAsync(Timeout))!.Failures);
    }

    [SkippableFact]
    public async Task AttemptCounters_OfALongWindow_OutliveCountsWithAShortWindow()
    {
        using var t = await CreateStoreAsync();
        var hour = TimeSpan.FromHours(1);
        var minute = TimeSpan.FromMinutes(1);
        var start = t.Time.GetUtcNow();
        for (int i = 0; i < 3; i++)
        {
            await t.Store.CountAttemptAsync("checkout\nacct_1", t.Time.GetUtcNow(), hour, None).WaitAsync(Timeout);
        }

        // Ten minutes on, a counter of one-minute windows is counted (and prunes ended counters on the way): the hour's
        // counter, whose window still runs for fifty minutes, keeps its three.
        t.Time.Advance(TimeSpan.FromMinutes(10));
        await t.Store.CountAttemptAsync("signin:a\n10.0.0.9", t.Time.GetUtcNow(), minute, None).WaitAsync(Timeout);
        Assert.Equal(new Candor.Core.WebConsole.AttemptCount(start, 3),
            await t.Store.GetAttemptsAsync("checkout\nacct_1", t.Time.GetUtcNow(), None).WaitAsync(Timeout));
        Assert.Equal(new Candor.Core.WebConsole.AttemptCount(start, 4),
            await t.Store.CountAttemptAsync("checkout\nacct_1", t.Time.GetUtcNow(), hour, None).WaitAsync(Timeout));

        // The minute's counter has ended by its own window; the hour's ends fifty minutes later.
        t.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(await t.Store.GetAttemptsAsync("signin:a\n10.0.0.9", t.Time.GetUtcNow(), None).WaitAsync(Timeout));
        t.Time.Advance(TimeSpan.FromMinutes(48) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(4, (await t.Store.GetAttemptsAsync("checkout\nacct_1", t.Time.GetUtcNow(), None).WaitAsync(Timeout))!.Failures);
        t.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await t.Store.GetAttemptsAsync("checkout\nacct_1", t.Time.GetUtcNow(), None).WaitAsync(Timeout));
    }

    [SkippableFact]
    public async Task AttemptTicket_ConcurrentAttemptsAgainstALimit_AdmitExactlyTheLimitOnTwoNodes()
    {
        using var t = await CreateStoreAsync();
        using var second = await t.OpenSecondAsync();
        var now = t.Time.GetUtcNow();
        var window = TimeSpan.FromMinutes(15);
        await t.Store.CountAttemptAsync("signin:p\neve", now, window, None).WaitAsync(Timeout);

        // Twenty attempts at once against a bound of five with one failure counted: four pass, on either node.
        var tickets = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Candor.Core.WebConsole.AttemptTicket.TakeAsync(
            i % 2 == 0 ? t.Store : second, now, window, [new("signin:p\neve", 5), new("signin:a\n10.0.0.2", 50)], None).WaitAsync(Timeout)));
        var admitted = tickets.Where(a => a.RetryAfter is null).ToList();
        Assert.Equal(4, admitted.Count);
        Assert.All(tickets.Where(a => a.RetryAfter is not null), a => Assert.Equal(window, a.RetryAfter));

        // Refusals were taken back: the counters hold the failure and the four admitted attempts.
        Assert.Equal(5, (await t.Store.GetAttemptsAsync("signin:p\neve", now, None).WaitAsync(Timeout))!.Failures);
        Assert.Equal(4, (await t.Store.GetAttemptsAsync("signin:a\n10.0.0.2", now, None).WaitAsync(Timeout))!.Failures);

        // Two fail (kept), two succeed (taken back): three failures stay, so a bound of three refuses the next.
        admitted[0].Keep();
        admitted[1].Keep();
        await admitted[2].DisposeAsync();
        await admitted[3].DisposeAsync();
        Assert.Equal(3, (await second.GetAttemptsAsync("signin:p\neve", now, None).WaitAsync(Timeout))!.Failures);
        Assert.Equal(2, (await second.GetAttemptsAsync("signin:a\n10.0.0.2", now, None).WaitAsync(Timeout))!.Failures);
        await using var next = await Candor.Core.WebConsole.AttemptTicket.TakeAsync(t.Store, now, window, [new("signin:p\neve", 3)], None).WaitAsync(Timeout);
        Assert.Equal(window, next.RetryAfter);
        Assert.Equal(3, (await second.GetAttemptsAsync("signin:p\neve", now, None).WaitAsync(Timeout))!.Failures);
    }

    [SkippableFact]
    public async Task RedemptionLimits_ConcurrentGuesses_CountExactlyTheBound_AndACrowdForARealCodeIsNotThrottled()
    {
        using var t = await CreateStoreAsync();
        using var second = await t.OpenSecondAsync();
        var account = await t.AccountAsync("guesser");
        var batch = await t.Store.CreateBatchAsync(new RedemptionBatchSpec { AmountMicros = 1000, Count = 1 }, None).WaitAsync(Timeout);
        var now = t.Time.GetUtcNow();
        var window = TimeSpan.FromMinutes(15);
        var limits = new Candor.Core.Accounts.Redemptions.RedemptionLimits(["redeem:k\nkey_g", "redeem:a\n10.0.0.7"], 10, window, now);

        // A crowd of twenty for the one real code, on two nodes: one credit, nineteen already redeemed, nothing counted.
        var crowd = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? t.Store : second)
            .RedeemAsync(batch!.Codes[0].Code, account.Id, limits, None).WaitAsync(Timeout)));
        Assert.Single(crowd, static r => r.Outcome == RedemptionOutcome.Redeemed);
        Assert.Equal(19, crowd.Count(static r => r.Outcome == RedemptionOutcome.AlreadyRedeemed));
        Assert.Equal(0, (await t.Store.GetAttemptsAsync("redeem:k\nkey_g", now, None).WaitAsync(Timeout))!.Failures);

        // Thirty guesses at once against a bound of ten: exactly ten are looked at (and counted), twenty refused unread.
        var guesses = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => (i % 2 == 0 ? t.Store : second)
            .RedeemAsync("cdr-guess" + i, account.Id, limits, None).WaitAsync(Timeout)));
        Assert.Equal(10, guesses.Count(static r => r.Outcome == RedemptionOutcome.Unknown));
        Assert.All(guesses.Where(static r => r.Outcome != RedemptionOutcome.Unknown), r =>
        {
            Assert.Equal(RedemptionOutcome.Throttled, r.Outcome);
            Assert.Equal(window, r.RetryAfter);
        });
        Assert.Equal(10, (await second.GetAttemptsAsync("redeem:a\n10.0.0.7", now, None).WaitAsync(Timeout))!.Failures);
    }

    [SkippableFact]
    public async Task AttemptCounters_UncountInARestartedWindow_LeavesTheNewCount()
    {
        using var t = await CreateStoreAsync();
        var window = TimeSpan.FromMinutes(15);
        var old = await t.Store.CountAttemptAsync("redeem:k\nkey_1", t.Time.GetUtcNow(), window, None).WaitAsync(Timeout);
        t.Time.Advance(window);
        await t.Store.CountAttemptAsync("redeem:k\nkey_1", t.Time.GetUtcNow(), window, None).WaitAsync(Timeout);
        await t.Store.UncountAttemptAsync("redeem:k\nkey_1", old, None).WaitAsync(Timeout);
        Assert.Equal(1, (await t.Store.GetAttemptsAsync("redeem:k\nkey_1", t.Time.GetUtcNow(), None).WaitAsync(Timeout))!.Failures);
    }

    private static async Task<List<string>> WalkKeysAsync(TempStore t, string accountId, string? owner, int limit)
    {
        var ids = new List<string>();
        string? cursor = null;
        for (int pages = 0; pages < 20; pages++)
        {
            var page = await t.Store.ListKeysPageAsync(accountId, owner, limit, cursor, None).WaitAsync(Timeout);
            Assert.True(page.Items.Count <= limit);
            ids.AddRange(page.Items.Select(k => k.Id));
            if ((cursor = page.NextCursor) is null)
            {
                break;
            }
        }

        return ids;
    }
}

public sealed class PostgresConsoleListsStoreTests : ConsoleListsStoreTests
{
    private protected override Task<TempStore> CreateStoreAsync() => TempStore.CreatePostgresAsync();
}
