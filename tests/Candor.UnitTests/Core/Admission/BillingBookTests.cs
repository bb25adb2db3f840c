using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.UnitTests.Storage;

namespace Candor.UnitTests.Core.Admission;

public sealed class BillingBookTests
{
    [Fact]
    public async Task ConcurrentReservations_NeverExceedBalanceOrBudget()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        using var temp = await TempStore.CreateAsync();
        var account = await temp.Store.CreateAccountAsync("a", Account.DefaultGroup, ct);
        await temp.Store.TopUpAsync(account.Id, 1000, "t", ct);
        var key = (await temp.Store.CreateKeyAsync(account.Id, "k", new ApiKeyLimits { BudgetMicros = 700 }, false, ct))!.Record;
        var book = new BillingBook(temp.Store);

        var reservations = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => book.TryReserveAsync(key, 30, ct), ct)));
        var held = reservations.Where(r => r is not null).ToList();
        Assert.Equal(23, held.Count);

        foreach (var r in held)
        {
            book.Settle(r!, 10);
        }

        // 230 spent of 700: 15 more reservations of 30 fit the budget (470 / 30).
        int more = 0;
        while (await book.TryReserveAsync(key, 30, ct) is not null)
        {
            more++;
        }

        Assert.Equal(15, more);
    }

    [Fact]
    public async Task Balance_IsTheSmallerLimit_AndRefreshSeesTopUps()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        using var temp = await TempStore.CreateAsync();
        var account = await temp.Store.CreateAccountAsync("a", Account.DefaultGroup, ct);
        await temp.Store.TopUpAsync(account.Id, 50, "t", ct);
        var key = (await temp.Store.CreateKeyAsync(account.Id, "k", ApiKeyLimits.None, false, ct))!.Record;
        var book = new BillingBook(temp.Store);

        var first = await book.TryReserveAsync(key, 40, ct);
        Assert.NotNull(first);
        Assert.Null(await book.TryReserveAsync(key, 20, ct));
        book.Settle(first, 0);
        await temp.Store.TopUpAsync(account.Id, 100, "t", ct);
        Assert.Null(await book.TryReserveAsync(key, 60, ct));
        await book.RefreshAsync(ct);
        Assert.NotNull(await book.TryReserveAsync(key, 140, ct));
    }

    [Fact]
    public async Task TwoKeysOfOneAccount_ShareItsBalance_WhetherLoadedOrNot()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        using var temp = await TempStore.CreateAsync();
        var account = await temp.Store.CreateAccountAsync("a", Account.DefaultGroup, ct);
        await temp.Store.TopUpAsync(account.Id, 100, "t", ct);
        var a = (await temp.Store.CreateKeyAsync(account.Id, "a", ApiKeyLimits.None, false, ct))!.Record;
        var b = (await temp.Store.CreateKeyAsync(account.Id, "b", new ApiKeyLimits { BudgetMicros = 45 }, false, ct))!.Record;
        var book = new BillingBook(temp.Store);

        // a loads the account; b's first reservation loads its own spend and finds the account loaded with 60 held.
        var first = await book.TryReserveAsync(a, 60, ct);
        Assert.NotNull(first);
        Assert.Null(await book.TryReserveAsync(b, 41, ct));
        // Both loaded from here: what a holds and b's budget still bound every reservation.
        Assert.Null(await book.TryReserveAsync(b, 46, ct));
        var second = await book.TryReserveAsync(b, 40, ct);
        Assert.NotNull(second);
        Assert.Null(await book.TryReserveAsync(a, 1, ct));
        book.Settle(second, 30);
        Assert.Null(await book.TryReserveAsync(b, 16, ct));
        Assert.NotNull(await book.TryReserveAsync(a, 10, ct));
        Assert.Null(await book.TryReserveAsync(a, 1, ct));
    }
}
