using Candor.Core.Accounts;

namespace Candor.UnitTests.Core.Accounts;

/// <summary>Time-ordered ids (requests, receipts, ledger entries): the format, ordering by time (so a B-tree index on
/// them grows at its right edge) and randomness within one millisecond.</summary>
public sealed class OrderedIdTests
{
    [Fact]
    public void Format_IsKindThenTwelveHexDigitsOfTimeThenSixteenRandom()
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(0x0193_5A2B_3C4D);
        string id = EntityIds.NewOrdered("rcpt", at);
        Assert.Matches("^rcpt_[0-9a-f]{28}$", id);
        Assert.StartsWith("rcpt_01935a2b3c4d", id, StringComparison.Ordinal);
    }

    [Fact]
    public void LaterIds_SortLater_AndIdsOfOneMillisecondDiffer()
    {
        var start = DateTimeOffset.Parse("2026-11-26T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var ids = new List<string>();
        for (int i = 0; i < 2_000; i++)
        {
            ids.Add(EntityIds.NewOrdered("req", start.AddMilliseconds(i)));
        }

        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        var same = Enumerable.Range(0, 1_000).Select(_ => EntityIds.NewOrdered("led", start)).ToHashSet();
        Assert.Equal(1_000, same.Count);
    }

    [Fact]
    public void OrderedIds_DrawTheCsprngOncePerBlock_AndNeverRepeatABlocksBytes()
    {
        var at = DateTimeOffset.Parse("2026-12-06T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        const int perBlock = EntityIds.RandomBlockBytes / sizeof(ulong);
        // Up to the next refill: afterwards the thread's block is fresh with one slice taken.
        int before = EntityIds.RefillsOnThisThread;
        for (int i = 0; i <= perBlock && EntityIds.RefillsOnThisThread == before; i++)
        {
            EntityIds.NewOrdered("req", at);
        }

        int refilled = EntityIds.RefillsOnThisThread;
        Assert.Equal(before + 1, refilled);
        var lows = new List<string>();
        for (int i = 1; i < perBlock; i++)
        {
            lows.Add(EntityIds.NewOrdered("req", at)[^16..]);
        }

        Assert.Equal(refilled, EntityIds.RefillsOnThisThread);
        lows.Add(EntityIds.NewOrdered("rcpt", at)[^16..]);
        Assert.Equal(refilled + 1, EntityIds.RefillsOnThisThread);
        // The slices are read before they are wiped: no id carries the wiped zeros, and none repeats.
        Assert.DoesNotContain(new string('0', 16), lows);
        Assert.Equal(lows.Count, lows.Distinct().Count());
    }

    [Fact]
    public void SequentialIds_OfOneMillisecond_SortInTheOrderTheyWereMade_EvenWhenTheClockStepsBack()
    {
        var at = DateTimeOffset.Parse("2026-11-27T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var ids = new List<string>();
        for (int i = 0; i < 1_000; i++)
        {
            ids.Add(EntityIds.NewSequential("led", at));
        }

        ids.Add(EntityIds.NewSequential("led", at.AddMilliseconds(-5)));
        ids.Add(EntityIds.NewSequential("led", at.AddDays(1)));
        Assert.All(ids, id => Assert.Matches("^led_[0-9a-f]{28}$", id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
    }
}
